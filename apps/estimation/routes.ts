import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Pool } from 'pg';
import { ESTIMATE_CATEGORY } from '../../contracts/estimation';
import { MAX_DURATION_MS } from '../../contracts/formats';
import { PROJECT_CATEGORY } from '../../contracts/projects';
import { estimationApi } from '../../contracts/http/estimation';
import { principal, type Principal } from '../../platform/auth/jwt';
import type { CommandSender } from '../../platform/outcomes/commandSender';
import { commandFrom, createdId, sendCommand } from '../../platform/http/commands';
import { HttpError } from '../../platform/http/errors';
import { refuseWhileRepairing } from '../../platform/http/repairing';
import { idParam } from '../../platform/http/request';
import { routerOf } from '../../platform/http/routeTable';
import { nameId, newId } from '../../platform/ids';
import { requireProvenEmail } from '../identity/callerEmail';
import {
  findEstimate,
  listEstimates,
  estimatesFor,
  type Estimate,
} from '../../projectors/estimation/estimateQueries';
import { findProject, listTasks } from '../../projectors/projects/boardQueries';
import { listForCaller } from '../projects/listForCaller';
import { asSeenByClient } from '../projects/clientView';
import { authorize, may, type Action } from '../projects/permissions';

const stream = (id: string) => `${ESTIMATE_CATEGORY}-${id}`;

/** The end of the validity day, UTC: when a sent estimate expires unless the request says otherwise. */
const endOfDay = (day: string) => Date.parse(`${day}T23:59:59.999Z`);

export interface EstimationSettings {
  reminderBeforeMs: number;
}

export function estimationRoutes(
  db: Pool,
  commands: CommandSender,
  settings: EstimationSettings,
): Router {
  /** The estimate and what the caller is to it: a team role on its project, or its client. */
  async function estimateFor(
    ctx: Context,
    who: Principal,
    action: Action | 'decide',
  ): Promise<Estimate> {
    const eid = idParam(ctx, 'eid', 'estimate');
    refuseWhileRepairing(db, stream(eid), 'estimate');
    const found = await findEstimate(db, eid);
    if (!found) throw new HttpError(404, 'no such estimate');
    const e = found.estimate;
    const access = (await findProject(db, e.projectId, who.sub))?.access ?? null;
    if (action !== 'decide' && (action !== 'read' || may(access, 'read'))) {
      authorize(access, action);
      return e;
    }
    // A client's access hangs on their address: only a verified one proves it.
    const isClient =
      e.status !== 'draft' && !!e.clientEmail && who.verifiedEmail === e.clientEmail.toLowerCase();
    if (may(access, 'read')) return e;
    if (isClient) {
      ctx.state.asClient = true;
      return asSeenByClient(e, who.sub);
    }
    if (e.status !== 'draft' && e.clientEmail)
      requireProvenEmail(who, 'open an estimate sent to it');
    throw new HttpError(404, 'no such estimate');
  }

  const send = (
    ctx: Context,
    who: Principal,
    id: string,
    type: string,
    data: unknown,
    kind: 'command' | 'process' = 'command',
  ) =>
    sendCommand(ctx, commands, commandFrom(ctx, who, { type, streamId: stream(id), data }), kind);

  async function answer(ctx: Context, id: string, status = 200): Promise<void> {
    const found = await findEstimate(db, id);
    ctx.status = status;
    ctx.body =
      found && ctx.state.asClient
        ? asSeenByClient(found.estimate, principal(ctx.state).sub)
        : found?.estimate;
  }

  /** Approving, rejecting, withdrawing: the process decides, with the reason when there is one. */
  const decision =
    (kind: 'approve' | 'reject' | 'withdraw') => async (ctx: Context, input: object) => {
      const who = principal(ctx.state);
      // Approving and rejecting are the addressed client's (the workflow checks the address);
      // withdrawing is the team's.
      const e = await estimateFor(ctx, who, kind === 'withdraw' ? 'edit' : 'decide');
      // Whether it may still be decided is the process's Update validator's to say (409 while it
      // runs, 410 once expired; the dispatcher answers 409 when no process runs).
      const data = { decision: kind, by: who.sub, email: who.verifiedEmail, ...input };
      if (await send(ctx, who, e.id, 'DecideEstimate', data, 'process')) await answer(ctx, e.id);
    };
  return routerOf(estimationApi.operations, {
    async listEstimates(ctx) {
      const pid = idParam(ctx, 'pid', 'project');
      ctx.body = await listForCaller(db, pid, principal(ctx.state), {
        all: () => listEstimates(db, pid),
        addressedTo: (email) => estimatesFor(db, pid, email),
      });
    },

    async draftEstimate(ctx, input) {
      const who = principal(ctx.state);
      const pid = idParam(ctx, 'pid', 'project');
      refuseWhileRepairing(db, `${PROJECT_CATEGORY}-${pid}`, 'project');
      authorize((await findProject(db, pid, who.sub))?.access ?? null, 'edit');
      // A revision revises an estimate of the same board, never one of a board the caller may not see.
      if (
        typeof input.supersedes === 'string' &&
        (await findEstimate(db, input.supersedes))?.estimate.projectId !== pid.toLowerCase()
      ) {
        throw new HttpError(422, 'supersedes must name an estimate of this project');
      }
      const { importTasks, items = [], ...fields } = input;
      const imported = importTasks
        ? (await listTasks(db, pid))
            .filter((t) => !importTasks.taskIds || importTasks.taskIds.includes(t.id))
            .filter((t) => t.points > 0)
            .map((t) => ({
              itemId: createdId(ctx, who, 'item', 'task', t.id),
              description: `${t.key} ${t.title}`,
              quantity: String(t.points),
              unit: 'point' as const,
              unitPrice: importTasks.rate,
              taskId: t.id,
            }))
        : [];
      const id = ctx.get('Idempotency-Key')
        ? nameId('estimate', who.sub, ctx.get('Idempotency-Key'))
        : newId();
      const all = [
        ...items.map((i, n) => ({ ...i, itemId: createdId(ctx, who, 'item', String(n)) })),
        ...imported,
      ];
      if (
        await send(ctx, who, id, 'DraftEstimate', {
          ...fields,
          estimateId: id,
          projectId: pid,
          createdBy: nameId('user', who.sub),
          items: all,
        })
      )
        await answer(ctx, id, 201);
    },

    async getEstimate(ctx) {
      ctx.body = await estimateFor(ctx, principal(ctx.state), 'read');
    },

    async modifyEstimate(ctx, input) {
      const who = principal(ctx.state);
      const e = await estimateFor(ctx, who, 'edit');
      if (await send(ctx, who, e.id, 'ModifyEstimate', input)) await answer(ctx, e.id);
    },

    async addItems(ctx, { items }) {
      const who = principal(ctx.state);
      const e = await estimateFor(ctx, who, 'edit');
      const data = {
        items: items.map((i, n) => ({ ...i, itemId: createdId(ctx, who, 'item', String(n)) })),
      };
      if (await send(ctx, who, e.id, 'AddEstimateItems', data)) await answer(ctx, e.id, 201);
    },

    async modifyItem(ctx, changes) {
      const who = principal(ctx.state);
      const e = await estimateFor(ctx, who, 'edit');
      if (
        await send(ctx, who, e.id, 'ModifyEstimateItem', {
          itemId: idParam(ctx, 'iid', 'item'),
          ...changes,
        })
      )
        await answer(ctx, e.id);
    },

    async removeItem(ctx) {
      const who = principal(ctx.state);
      const e = await estimateFor(ctx, who, 'edit');
      if (await send(ctx, who, e.id, 'RemoveEstimateItem', { itemId: idParam(ctx, 'iid', 'item') }))
        await answer(ctx, e.id);
    },

    async sendEstimate(ctx, input) {
      const who = principal(ctx.state);
      const e = await estimateFor(ctx, who, 'edit');
      // Whether it may be sent (a draft, not already sent) is the estimate's decider's and the
      // process's to say: the outcome answers 409.
      const expiresInMs = input.expiresInMs ?? endOfDay(e.validUntil) - Date.now();
      if (expiresInMs < 1000)
        throw new HttpError(422, 'validUntil has passed: change it, or give expiresInMs');
      if (expiresInMs > MAX_DURATION_MS)
        throw new HttpError(
          422,
          'validUntil is more than five years away: change it, or give expiresInMs',
        );
      const data = {
        ...(input.clientEmail ? { clientEmail: input.clientEmail } : {}),
        expiresInMs,
        reminderBeforeMs:
          input.reminderBeforeMs ??
          Math.min(settings.reminderBeforeMs, Math.floor(expiresInMs / 2)),
      };
      if (await send(ctx, who, e.id, 'SendEstimate', data, 'process')) await answer(ctx, e.id);
    },

    approveEstimate: decision('approve'),
    rejectEstimate: decision('reject'),
    withdrawEstimate: decision('withdraw'),
  });
}
