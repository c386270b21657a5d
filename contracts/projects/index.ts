import { Type, type Static } from '@sinclair/typebox';
import { Filled, Id, Int, MAX_SAFE, Sub, Text } from '../formats';

/** A project's board (project, columns, tasks) is one aggregate: one stream, one writer. */
export const PROJECT_CATEGORY = 'project';

const Name = Filled(120);
const Title = Filled(200);
const Description = Text({ maxLength: 10_000 });
export const ColumnName = Type.String({ pattern: '^column-[1-9][0-9]*$', maxLength: 20 });
const TeamId = Type.Union([Id, Type.Null()]);
const Strings = (max: number) => Type.Array(Text({ maxLength: 2048 }), { maxItems: max });

const ProjectFields = {
  name: Name,
  description: Description,
  active: Type.Boolean(),
  public: Type.Boolean(),
  teamId: TeamId,
};

/** A task's fields as people edit them (its id, key, number and column come from the board). */
export const TaskFields = {
  title: Title,
  content: Text({ maxLength: 100_000 }),
  points: Int(0, 1000),
  assignedTo: Type.Union([Text({ maxLength: 256 }), Type.Null()]),
  attachments: Strings(100),
  comments: Strings(1000),
};
/** Any of a task's fields, as a change names them. */
const TaskChanges = {
  title: Type.Optional(TaskFields.title),
  content: Type.Optional(TaskFields.content),
  points: Type.Optional(TaskFields.points),
  assignedTo: Type.Optional(TaskFields.assignedTo),
  attachments: Type.Optional(TaskFields.attachments),
  comments: Type.Optional(TaskFields.comments),
};

// Commands -------------------------------------------------------------------------------------

export const AddProject = Type.Object(
  {
    id: Id,
    name: Name,
    teamId: Type.Optional(TeamId),
    description: Type.Optional(Description),
    /** The creator's user id, as the frontend knows users. */
    userId: Id,
  },
  { additionalProperties: false },
);
export const ModifyProject = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Description),
    active: Type.Optional(Type.Boolean()),
    public: Type.Optional(Type.Boolean()),
    teamId: Type.Optional(TeamId),
    columnOrder: Type.Optional(Type.Array(ColumnName, { maxItems: 100 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export const DestroyProject = Type.Object({}, { additionalProperties: false });
export const AddColumn = Type.Object(
  { columnId: Id, title: Title },
  { additionalProperties: false },
);
export const ModifyColumn = Type.Object(
  { columnId: Id, title: Title },
  { additionalProperties: false },
);
export const DestroyColumn = Type.Object({ columnId: Id }, { additionalProperties: false });
export const AddTask = Type.Object(
  { taskId: Id, columnId: Id, title: Title },
  { additionalProperties: false },
);
export const ModifyTask = Type.Object(
  {
    taskId: Id,
    ...TaskChanges,
  },
  { additionalProperties: false, minProperties: 2 },
);
export const DestroyTask = Type.Object(
  { taskId: Id, columnId: Type.Optional(Id) },
  { additionalProperties: false },
);
const ColumnOrder = Type.Array(Id, { maxItems: 10_000 });
/**
 * Where the task goes: `taskIds` is the destination's order as the caller saw it after the move
 * (the frontend's form); `afterTaskId` (null: first) and `index` name a place in its order now.
 * `from`, when given, is the column the caller saw the task in.
 */
export const MoveTask = Type.Union([
  Type.Object(
    { taskId: Id, from: Id, to: Id, taskIds: ColumnOrder },
    { additionalProperties: false },
  ),
  Type.Object(
    { taskId: Id, from: Type.Optional(Id), to: Id, afterTaskId: Type.Union([Id, Type.Null()]) },
    { additionalProperties: false },
  ),
  Type.Object(
    { taskId: Id, from: Type.Optional(Id), to: Id, index: Int(0, 10_000) },
    { additionalProperties: false },
  ),
]);

// Events ---------------------------------------------------------------------------------------

export const ProjectAdded = Type.Object(
  {
    id: Id,
    ...ProjectFields,
    prefix: Text({ minLength: 1, maxLength: 10 }),
    /** The owner: the user id the frontend shows, and the token subject that proves it. */
    userId: Id,
    ownerId: Sub,
  },
  { additionalProperties: false },
);
export const ProjectModified = ModifyProject;
export const ProjectDestroyed = Type.Object({ id: Id }, { additionalProperties: false });
export const ColumnAdded = Type.Object(
  { id: Id, columnName: ColumnName, title: Title },
  { additionalProperties: false },
);
export const ColumnModified = Type.Object(
  { id: Id, title: Title },
  { additionalProperties: false },
);
export const ColumnDestroyed = Type.Object(
  { id: Id, columnName: ColumnName },
  { additionalProperties: false },
);
export const TaskAdded = Type.Object(
  { id: Id, columnId: Id, seq: Int(1, MAX_SAFE), key: Text({ maxLength: 40 }), title: Title },
  { additionalProperties: false },
);
export const TaskModified = Type.Object(
  {
    id: Id,
    ...TaskChanges,
  },
  { additionalProperties: false },
);
export const TaskDestroyed = Type.Object({ id: Id, columnId: Id }, { additionalProperties: false });
/** `taskIds` is the destination column's whole order after the move. */
export const TaskMoved = Type.Object(
  { id: Id, from: Id, to: Id, taskIds: ColumnOrder },
  { additionalProperties: false },
);

export const projectCommands = {
  AddProject,
  ModifyProject,
  DestroyProject,
  AddColumn,
  ModifyColumn,
  DestroyColumn,
  AddTask,
  ModifyTask,
  DestroyTask,
  MoveTask,
};
export const projectEvents = {
  ProjectAdded,
  ProjectModified,
  ProjectDestroyed,
  ColumnAdded,
  ColumnModified,
  ColumnDestroyed,
  TaskAdded,
  TaskModified,
  TaskDestroyed,
  TaskMoved,
};

type Union<M extends Record<string, import('@sinclair/typebox').TSchema>> = {
  [K in keyof M & string]: { type: K; data: Static<M[K]> };
}[keyof M & string];

export type ProjectCommand = Union<typeof projectCommands>;
export type ProjectEvent = Union<typeof projectEvents>;
export type EventData<T extends ProjectEvent['type']> = Extract<ProjectEvent, { type: T }>['data'];
