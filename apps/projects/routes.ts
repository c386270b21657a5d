import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Pool } from 'pg';
import { PROJECT_CATEGORY } from '../../contracts/projects';
import { projectsApi } from '../../contracts/http/projects';
import { principal, type Principal } from '../../platform/auth/jwt';
import type { CommandSender } from '../../platform/outcomes/commandSender';
import {
  commandFrom,
  createdId,
  etag,
  expectedVersionFrom,
  sendCommand,
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
import { moveCommand } from './moveCommand';
import { authorized, type Action } from './permissions';

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

  /** Sends a board command; true when it was accepted and the views show it. */
  function boardCommand(
    ctx: Context,
    who: Principal,
    projectId: string,
    type: string,
    data: unknown,
  ): Promise<boolean> {
    const built = commandFrom(ctx, who, {
      type,
      streamId: streamOf(projectId),
      data,
      expectedVersion: expectedVersionFrom(ctx),
    });
    return sendCommand(ctx, commands, built);
  }

  async function answerProject(
    ctx: Context,
    projectId: string,
    who: Principal,
    status = 200,
  ): Promise<void> {
    const record = await findProject(db, projectId, who.sub);
    if (!record) throw new HttpError(404, 'no such project');
    ctx.status = status;
    ctx.set('ETag', etag(record.version));
    ctx.body = record.project;
  }

  /** A column, if the caller may do `action` to its project. */
  async function columnFor(ctx: Context, who: Principal, action: Action) {
    const column = await findColumn(db, idParam(ctx, 'cid', 'column'));
    if (!column) throw new HttpError(404, 'no such column');
    await projectFor(column.projectId, who, action);
    return column;
  }

  /** A task, if the caller may do `action` to its project. */
  async function taskFor(ctx: Context, who: Principal, action: Action) {
    const task = await findTask(db, idParam(ctx, 'tid', 'task'));
    if (!task) throw new HttpError(404, 'no such task');
    await projectFor(task.projectId, who, action);
    return task;
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
      if (await sendCommand(ctx, commands, built)) await answerProject(ctx, id, who, 201);
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
      await projectFor(pid, who, 'teamId' in input ? 'share' : 'edit');
      if (await boardCommand(ctx, who, pid, 'ModifyProject', input))
        await answerProject(ctx, pid, who);
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
      if (await boardCommand(ctx, who, pid, 'AddColumn', { columnId, title })) {
        ctx.status = 201;
        ctx.body = await findColumn(db, columnId);
      }
    },

    async renameColumn(ctx, { title }) {
      const who = principal(ctx.state);
      const column = await columnFor(ctx, who, 'edit');
      if (
        await boardCommand(ctx, who, column.projectId, 'ModifyColumn', {
          columnId: column.id,
          title,
        })
      )
        ctx.body = await findColumn(db, column.id);
    },

    async deleteColumn(ctx) {
      const who = principal(ctx.state);
      const column = await columnFor(ctx, who, 'edit');
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
      if (await boardCommand(ctx, who, pid, 'AddTask', { taskId, columnId, title })) {
        ctx.status = 201;
        ctx.body = await findTask(db, taskId);
      }
    },

    async modifyTask(ctx, input) {
      const who = principal(ctx.state);
      // Commenters may add comments and nothing else.
      const onlyComments = Object.keys(input).every((k) => k === 'comments');
      const task = await taskFor(ctx, who, onlyComments ? 'comment' : 'edit');
      if (await boardCommand(ctx, who, task.projectId, 'ModifyTask', { taskId: task.id, ...input }))
        ctx.body = await findTask(db, task.id);
    },

    async moveTask(ctx, input) {
      const who = principal(ctx.state);
      const task = await taskFor(ctx, who, 'edit');
      const move = moveCommand(task.id, input);
      if (await boardCommand(ctx, who, task.projectId, 'MoveTask', move)) {
        // Null when the task was deleted since the move.
        const moved = await findTask(db, task.id);
        const columns = await listColumns(db, task.projectId);
        const from = move.from ?? task.columnId;
        ctx.body = {
          task: moved,
          columns: columns.filter((c) => c.id === from || c.id === move.to),
        };
      }
    },

    async deleteTask(ctx) {
      const who = principal(ctx.state);
      const columnId = idParam(ctx, 'cid', 'column');
      const task = await taskFor(ctx, who, 'edit');
      if (
        await boardCommand(ctx, who, task.projectId, 'DestroyTask', { taskId: task.id, columnId })
      )
        ctx.body = task;
    },
  });
}
