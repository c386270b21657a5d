import { Type, type Static } from '@sinclair/typebox';
import {
  AddProject,
  AddTask,
  ColumnAdded,
  ColumnName,
  ModifyProject,
  ModifyTask,
  MoveTask,
  ProjectAdded,
  TaskAdded,
  TaskFields,
} from '../projects';
import { Id, Instant, Int, MAX_SAFE } from '../formats';
import type { ApiSection } from './operation';

const times = { createdAt: Instant, updatedAt: Instant };
/** An aggregate's version: what an ETag carries and an If-Match names. */
export const Version = Int(0, MAX_SAFE);

/** A project as the frontend reads it (`shared/client-app-api.md`); its owner's subject stays ours. */
const { ownerId: _owner, ...projectFields } = ProjectAdded.properties;
export const Project = Type.Object(
  {
    ...projectFields,
    /** Column names (`column-1`…), in the order the board shows them. */
    columnOrder: Type.Array(ColumnName),
    ...times,
  },
  { additionalProperties: false },
);
export type Project = Static<typeof Project>;

export const Column = Type.Object(
  {
    id: Id,
    projectId: Id,
    title: ColumnAdded.properties.title,
    columnName: ColumnName,
    /** Its tasks, in order. */
    taskIds: Type.Array(Id),
    ...times,
  },
  { additionalProperties: false },
);
export type Column = Static<typeof Column>;

export const Task = Type.Object(
  {
    id: Id,
    key: TaskAdded.properties.key,
    seq: TaskAdded.properties.seq,
    ...TaskFields,
    projectId: Id,
    columnId: Id,
    ...times,
  },
  { additionalProperties: false },
);
export type Task = Static<typeof Task>;

export const Board = Type.Object(
  {
    project: Project,
    columns: Type.Array(Column, { description: 'In the board’s order.' }),
    tasks: Type.Array(Task, {
      description: 'Every task, column by column in board order, each column’s in its order.',
    }),
    version: Version,
  },
  { additionalProperties: false },
);
export type Board = Static<typeof Board>;

const Moved = Type.Object(
  {
    task: Type.Union([Task, Type.Null()], { description: 'Null when deleted since the move.' }),
    columns: Type.Array(Column, { description: 'The columns it left and joined.' }),
  },
  { additionalProperties: false },
);

export const CreateProjectBody = Type.Object(
  {
    name: AddProject.properties.name,
    teamId: AddProject.properties.teamId,
    description: AddProject.properties.description,
  },
  { additionalProperties: false },
);
export const TitleBody = Type.Object(
  { title: AddTask.properties.title },
  { additionalProperties: false },
);
const { taskId: _task, ...taskChanges } = ModifyTask.properties;
export const ModifyTaskBody = Type.Object(taskChanges, {
  additionalProperties: false,
  minProperties: 1,
});
const [seenForm, afterForm, indexForm] = MoveTask.anyOf;
const { taskId: _moved, ...seenMove } = seenForm.properties;
/** `fromColumnId`, when given, is where the caller saw the task: the move is refused (409) if it left. */
const positionMove = {
  toColumnId: afterForm.properties.to,
  fromColumnId: Type.Optional(afterForm.properties.to),
};
export const MoveTaskBody = Type.Union(
  [
    Type.Object(seenMove, {
      additionalProperties: false,
      description:
        'The frontend’s form: `taskIds` is the destination’s order as the caller sees it after the move.',
    }),
    Type.Object(
      { ...positionMove, afterTaskId: afterForm.properties.afterTaskId },
      { additionalProperties: false, description: 'Right after `afterTaskId` (null: first).' },
    ),
    Type.Object(
      { ...positionMove, index: indexForm.properties.index },
      { additionalProperties: false, description: 'At `index` of the destination’s order now.' },
    ),
  ],
  { title: 'MoveTaskBody' },
);

const project = (description: string, status = 200) => ({
  [status]: { description, body: Project, headers: { ETag: true } },
});

export const projectsApi = {
  tag: 'projects',
  description:
    'Kanban boards: projects, their columns and tasks. A caller sees the projects they own and those shared with a team they belong to; anything else is 404.',
  params: {
    pid: { description: 'The project’s id.' },
    cid: { description: 'The column’s `id` (not its `columnName`).' },
    tid: { description: 'The task’s id.' },
  },
  schemas: {
    Project,
    Column,
    Task,
    Board,
    Moved,
    CreateProjectBody,
    ModifyProject,
    TitleBody,
    ModifyTaskBody,
    MoveTaskBody,
  },
  operations: {
    listProjects: {
      method: 'get',
      path: '/projects',
      summary: 'Projects the caller owns or shares through a team',
      responses: { 200: { description: 'Oldest first.', body: Type.Array(Project) } },
    },
    createProject: {
      method: 'post',
      path: '/projects',
      summary: 'Create a project, with the columns To Do, In Progress, Review and Done',
      description:
        'With `teamId`, the board is shared with that team at once (only its administrators may). With an Idempotency-Key a retry names the same project.',
      body: CreateProjectBody,
      command: {},
      responses: project('Created.', 201),
    },
    getProject: {
      method: 'get',
      path: '/projects/:pid',
      summary: 'A project',
      responses: project('The project.'),
    },
    modifyProject: {
      method: 'patch',
      path: '/projects/:pid',
      summary: 'Change a project (name, description, flags, team, column order)',
      description:
        'Changing `teamId` is sharing: for the owner, or an administrator of the team it is shared with now (and of the new team).',
      body: ModifyProject,
      command: { versioned: true },
      responses: project('The changed project.'),
    },
    deleteProject: {
      method: 'delete',
      path: '/projects/:pid',
      summary: 'Delete a project with its columns and tasks (its owner only)',
      command: { versioned: true },
      responses: { 200: { description: 'The project as it was.', body: Project } },
    },
    getBoard: {
      method: 'get',
      path: '/projects/:pid/board',
      summary: 'The whole board in one answer',
      responses: { 200: { description: 'The board.', body: Board, headers: { ETag: true } } },
    },
    listColumns: {
      method: 'get',
      path: '/projects/:pid/columns',
      summary: 'A project’s columns, in board order',
      responses: { 200: { description: 'The columns.', body: Type.Array(Column) } },
    },
    addColumn: {
      method: 'post',
      path: '/projects/:pid/columns',
      summary: 'Add a column at the end of the board',
      body: TitleBody,
      command: { versioned: true },
      responses: { 201: { description: 'The new column.', body: Column } },
    },
    renameColumn: {
      method: 'patch',
      path: '/projects/columns/:cid',
      summary: 'Rename a column',
      body: TitleBody,
      command: { versioned: true },
      responses: { 200: { description: 'The renamed column.', body: Column } },
    },
    deleteColumn: {
      method: 'delete',
      path: '/projects/columns/:cid',
      summary: 'Delete an empty column',
      command: { versioned: true },
      errors: { 422: 'The column still holds tasks: move or delete them first.' },
      responses: { 200: { description: 'The column as it was.', body: Column } },
    },
    listTasks: {
      method: 'get',
      path: '/projects/:pid/tasks',
      summary: 'A project’s tasks, by number',
      responses: { 200: { description: 'The tasks.', body: Type.Array(Task) } },
    },
    addTask: {
      method: 'post',
      path: '/projects/:pid/columns/:cid/tasks',
      summary: 'Add a task at the end of a column',
      body: TitleBody,
      command: { versioned: true },
      responses: { 201: { description: 'The new task.', body: Task } },
    },
    modifyTask: {
      method: 'patch',
      path: '/projects/tasks/:tid',
      summary: 'Change a task',
      description: 'Commenters may change `comments` and nothing else.',
      body: ModifyTaskBody,
      command: { versioned: true },
      responses: { 200: { description: 'The changed task.', body: Task } },
    },
    moveTask: {
      method: 'patch',
      path: '/projects/tasks/:tid/move',
      summary: 'Move a task within its column or to another',
      description:
        'Placed on the destination’s order as it is now, so moves on a busy board are not refused for what others did meanwhile. With `taskIds` (the destination’s order as the caller saw it after the move) the task goes right after the nearest task it followed there that is still in the column (else before the nearest it preceded); tasks added or moved since keep their places. Or name the place with `afterTaskId` or `index`. Refused (409) when the task has left `from` (`fromColumnId`) since, or the task to follow is gone.',
      body: MoveTaskBody,
      command: { versioned: true },
      responses: { 200: { description: 'The task and the columns it touched.', body: Moved } },
    },
    deleteTask: {
      method: 'delete',
      path: '/projects/columns/:cid/tasks/:tid',
      summary: 'Delete a task',
      command: { versioned: true },
      responses: { 200: { description: 'The task as it was.', body: Task } },
    },
  },
} satisfies ApiSection;
