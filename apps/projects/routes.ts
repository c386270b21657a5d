import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Pool } from 'pg';
import { PROJECT_CATEGORY } from '../../contracts/projects';
import { projectsApi } from '../../contracts/http/projects';
import { principal, type Principal } from '../../platform/auth/jwt';
import type { CommandSender } from '../../platform/outcomes/commandSender';
import {
  acceptedCommand,
  commandFrom,
  createdId,
  etag,
  expectedVersionFrom,
  type Accepted,
} from '../../platform/http/commands';
import { HttpError } from '../../platform/http/errors';
import { refuseWhileRepairing } from '../../platform/http/repairing';
import { idParam } from '../../platform/http/request';
import { routerOf } from '../../platform/http/routeTable';
import { nameId, newId } from '../../platform/ids';
import {
  findBoard,
  findColumn,
  findProject,
  findTask,
  listColumns,
  listProjects,
  listTasks,
  type ProjectRecord,
} from '../../projectors/projects/boardQueries';
import { columnWithAccess, moved, taskToMove, taskWithAccess, type Found } from './access';
import { columnAfter, moveAfter, projectAfter, taskAfter } from './answers';
import { moveCommand } from './moveCommand';
import { authorize, authorized, type Action } from './permissions';

const streamOf = (projectId: string) => `${PROJECT_CATEGORY}-${projectId}`;

export function projectsRoutes(db: Pool, commands: CommandSender): Router {
  /** The project, if the caller may do `action` to it (404 when they may not see it, else 403). */
  async function projectFor(
    projectId: string,
    who: Principal,
    action: Action,
  ): Promise<ProjectRecord> {
    refuseWhileRepairing(db, streamOf(projectId), 'project');
    return authorized(await findProject(db, projectId, who.sub), action);
  }

  /**
   * Sends a board command: its accepted outcome once the views show it, or null when the answer
   * is settled already (202).
   */
  function boardCommand(
    ctx: Context,
    who: Principal,
    projectId: string,
    type: string,
    data: unknown,
  ): Promise<Accepted | null> {
    const built = commandFrom(ctx, who, {
      type,
      streamId: streamOf(projectId),
      data,
      expectedVersion: expectedVersionFrom(ctx),
    });
    return acceptedCommand(ctx, commands, built);
  }

  /**
   * The project as the write left it: from its events and `before` (the copy read for the access
   * check, if any); from the views when the events cannot tell.
   */
  async function answerProject(
    ctx: Context,
    projectId: string,
    who: Principal,
    outcome: Accepted,
    before: ProjectRecord | null,
    status = 200,
  ): Promise<void> {
    const known = projectAfter(outcome, before);
    if (known) {
      ctx.status = status;
      ctx.set('ETag', etag(outcome.version));
      ctx.body = known;
      return;
    }
    const record = await findProject(db, projectId, who.sub);
    if (!record) throw new HttpError(404, 'no such project');
    ctx.status = status;
    ctx.set('ETag', etag(record.version));
    ctx.body = record.project;
  }

  /** What was found, if the caller may do `action` to its project (its access read with it). */
  function allowed<F extends Found<unknown>>(found: F | null, what: string, action: Action): F {
    if (!found) throw new HttpError(404, `no such ${what}`);
    refuseWhileRepairing(db, streamOf(found.projectId), 'project');
    authorize(found.access, action);
    return found;
  }

  /** A column, if the caller may do `action` to its project: one query. */
  async function columnFor(ctx: Context, who: Principal, action: Action) {
    const cid = idParam(ctx, 'cid', 'column');
    return allowed(await columnWithAccess(db, cid, who.sub), 'column', action);
  }

  /** A task, if the caller may do `action` to its project: one query. */
  async function taskFor(ctx: Context, who: Principal, action: Action) {
    const tid = idParam(ctx, 'tid', 'task');
    return allowed(await taskWithAccess(db, tid, who.sub), 'task', action);
  }

  return routerOf(projectsApi.operations, {
    async listProjects(ctx) {
      ctx.body = await listProjects(db, principal(ctx.state).sub);
    },

    async createProject(ctx, input) {
      const who = principal(ctx.state);
      // Whether the caller may share it with that team is the board decider's rule (403 from it).
      const key = ctx.get('Idempotency-Key');
      // With an idempotency key, a retried create names the same project.
      const id = key ? nameId('project', who.sub, key) : newId();
      const built = commandFrom(ctx, who, {
        type: 'AddProject',
        streamId: streamOf(id),
        data: { id, ...input, userId: nameId('user', who.sub) },
      });
      const outcome = await acceptedCommand(ctx, commands, built);
      if (outcome) await answerProject(ctx, id, who, outcome, null, 201);
    },

    async getProject(ctx) {
      const record = await projectFor(idParam(ctx, 'pid', 'project'), principal(ctx.state), 'read');
      ctx.set('ETag', etag(record.version));
      ctx.body = record.project;
    },

    async modifyProject(ctx, input) {
      const who = principal(ctx.state);
      const pid = idParam(ctx, 'pid', 'project');
      // A hint, for a clear 403 before anything is sent; the board decider owns the sharing rule
      // (the new team's administrators only), checked against the team log as it is when it decides.
      const before = await projectFor(pid, who, 'teamId' in input ? 'share' : 'edit');
      const outcome = await boardCommand(ctx, who, pid, 'ModifyProject', input);
      if (outcome) await answerProject(ctx, pid, who, outcome, before);
    },

    async deleteProject(ctx) {
      const who = principal(ctx.state);
      const pid = idParam(ctx, 'pid', 'project');
      const record = await projectFor(pid, who, 'delete');
      if (await boardCommand(ctx, who, pid, 'DestroyProject', {})) ctx.body = record.project;
    },

    async getBoard(ctx) {
      const who = principal(ctx.state);
      const pid = idParam(ctx, 'pid', 'project');
      refuseWhileRepairing(db, streamOf(pid), 'project');
      const { access: _, ...doc } = authorized(await findBoard(db, pid, who.sub), 'read');
      ctx.set('ETag', etag(doc.version));
      ctx.body = doc;
    },

    async listColumns(ctx) {
      const pid = idParam(ctx, 'pid', 'project');
      await projectFor(pid, principal(ctx.state), 'read');
      ctx.body = await listColumns(db, pid);
    },

    async addColumn(ctx, { title }) {
      const who = principal(ctx.state);
      const pid = idParam(ctx, 'pid', 'project');
      await projectFor(pid, who, 'edit');
      const columnId = createdId(ctx, who, 'column');
      const outcome = await boardCommand(ctx, who, pid, 'AddColumn', { columnId, title });
      if (outcome) {
        ctx.status = 201;
        ctx.body = columnAfter(outcome, columnId, pid, null) ?? (await findColumn(db, columnId));
      }
    },

    async renameColumn(ctx, { title }) {
      const who = principal(ctx.state);
      const found = await columnFor(ctx, who, 'edit');
      const column = found.item;
      const outcome = await boardCommand(ctx, who, found.projectId, 'ModifyColumn', {
        columnId: column.id,
        title,
      });
      if (outcome)
        ctx.body =
          columnAfter(outcome, column.id, found.projectId, { column, version: found.version }) ??
          (await findColumn(db, column.id));
    },

    async deleteColumn(ctx) {
      const who = principal(ctx.state);
      const { item: column } = await columnFor(ctx, who, 'edit');
      if (await boardCommand(ctx, who, column.projectId, 'DestroyColumn', { columnId: column.id }))
        ctx.body = column;
    },

    async listTasks(ctx) {
      const pid = idParam(ctx, 'pid', 'project');
      await projectFor(pid, principal(ctx.state), 'read');
      ctx.body = await listTasks(db, pid);
    },

    async addTask(ctx, { title }) {
      const who = principal(ctx.state);
      const pid = idParam(ctx, 'pid', 'project');
      const columnId = idParam(ctx, 'cid', 'column');
      await projectFor(pid, who, 'edit');
      const taskId = createdId(ctx, who, 'task');
      const outcome = await boardCommand(ctx, who, pid, 'AddTask', { taskId, columnId, title });
      if (outcome) {
        ctx.status = 201;
        ctx.body = taskAfter(outcome, taskId, pid, null) ?? (await findTask(db, taskId));
      }
    },

    async modifyTask(ctx, input) {
      const who = principal(ctx.state);
      // Commenters may add comments and nothing else.
      const onlyComments = Object.keys(input).every((k) => k === 'comments');
      const found = await taskFor(ctx, who, onlyComments ? 'comment' : 'edit');
      const task = found.item;
      const outcome = await boardCommand(ctx, who, found.projectId, 'ModifyTask', {
        taskId: task.id,
        ...input,
      });
      if (outcome)
        ctx.body =
          taskAfter(outcome, task.id, found.projectId, { task, version: found.version }) ??
          (await findTask(db, task.id));
    },

    async moveTask(ctx, input) {
      const who = principal(ctx.state);
      const tid = idParam(ctx, 'tid', 'task');
      const move = moveCommand(tid, input);
      const found = allowed(await taskToMove(db, tid, who.sub, move), 'task', 'edit');
      const { item: task, projectId, columns, version } = found;
      const outcome = await boardCommand(ctx, who, projectId, 'MoveTask', move);
      if (outcome) {
        ctx.body =
          moveAfter(outcome, projectId, { task, columns, version }) ??
          // The task is null when it was deleted since the move.
          (await moved(db, task.id, projectId, [move.from ?? task.columnId, move.to]));
      }
    },

    async deleteTask(ctx) {
      const who = principal(ctx.state);
      const columnId = idParam(ctx, 'cid', 'column');
      const { item: task } = await taskFor(ctx, who, 'edit');
      if (
        await boardCommand(ctx, who, task.projectId, 'DestroyTask', { taskId: task.id, columnId })
      )
        ctx.body = task;
    },
  });
}
