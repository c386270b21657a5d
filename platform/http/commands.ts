import Router from '@koa/router';
import type { Context } from 'koa';
import type { CommandEnvelope } from '../../contracts/envelope';
import type { RejectionCode } from '../../contracts/outcomes';
import { principal, type Principal } from '../auth/jwt';
import { nameId, newId } from '../ids';
import type { OutcomeWaiter, Outcome } from '../hosting/outcomes';
import { HttpError } from './errors';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/**
 * Builds the command for a request. An `Idempotency-Key` becomes the command id (scoped to the
 * caller), so a retried request is the same command and is decided once.
 */
export function commandFrom(
  ctx: Context,
  who: Principal,
  c: { type: string; streamId: string; data: unknown; expectedVersion?: number | null },
): { command: CommandEnvelope; retried: boolean } {
  const key = ctx.get('Idempotency-Key');
  if (key && !IDEMPOTENCY_KEY.test(key)) throw new HttpError(400, 'Idempotency-Key must be 1 to 200 visible ASCII characters');
  // Scoped to caller and endpoint: the same key on another call is another command.
  const id = key ? nameId('command', who.sub, ctx.method, ctx.path, key) : newId();
  const trace = /^00-([0-9a-f]{32})-/.exec(ctx.get('traceparent'))?.[1] ?? id.replace(/-/g, '');
  return {
    retried: Boolean(key),
    command: {
      id,
      type: c.type,
      streamId: c.streamId,
      expectedVersion: c.expectedVersion ?? null,
      data: c.data,
      metadata: { traceId: trace, correlationId: id, causationId: null, userId: who.sub, timestamp: new Date().toISOString() },
    },
  };
}

/** `If-Match: "3"` (or W/"3") → expected version 3; absent → no check. */
export function expectedVersionFrom(ctx: Context): number | null {
  const header = ctx.get('If-Match');
  if (!header) return null;
  const m = /^(?:W\/)?"(\d+)"$/.exec(header.trim());
  if (!m) throw new HttpError(400, 'If-Match must be an ETag this API gave, like "3"');
  return Number(m[1]);
}

export const etag = (version: number): string => `"${version}"`;

const REJECTION_STATUS: Record<RejectionCode, number> = {
  conflict: 409,
  already_exists: 409,
  not_found: 404,
  invalid: 422,
  forbidden: 403,
  expired: 410,
};

/** A refused command as the HTTP answer; the reason is the decider's, meant for people. */
export function rejectionError(outcome: Extract<Outcome, { status: 'rejected' }>): HttpError {
  return new HttpError(REJECTION_STATUS[outcome.code], outcome.reason);
}

export const statusUrl = (commandId: string): string => `/api/v1/commands/${commandId}`;

/** The answer when the outcome was not visible in time: where to look for it. */
export function answerPending(ctx: Context, commandId: string): void {
  ctx.status = 202;
  ctx.set('Location', statusUrl(commandId));
  ctx.body = { status: 'pending', commandId, statusUrl: statusUrl(commandId) };
}

/**
 * Sends a request's command and settles the answer for everything but success: 202 when the
 * outcome is not visible in time (returns false), the refusal as an error. True: accepted and
 * visible, the caller reads the views and answers.
 */
export async function sendCommand(
  ctx: Context,
  sender: { send(c: CommandEnvelope, o?: { maybeSeen?: boolean; kind?: 'command' | 'process' }): Promise<Outcome | null> },
  built: { command: CommandEnvelope; retried: boolean },
  kind: 'command' | 'process' = 'command',
): Promise<boolean> {
  const outcome = await sender.send(built.command, { maybeSeen: built.retried, kind });
  if (!outcome) {
    answerPending(ctx, built.command.id);
    return false;
  }
  if (outcome.status === 'rejected') throw rejectionError(outcome);
  return true;
}

/** `GET /commands/:id`: what became of a command the caller sent. */
export function commandStatusRouter(waiter: OutcomeWaiter): Router {
  const router = new Router();
  router.get('/commands/:id', async (ctx) => {
    const who = principal(ctx.state);
    const id = ctx.params.id!;
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new HttpError(404, 'no such command');
    const found = await waiter.find(id);
    if (found && found.userId !== who.sub) throw new HttpError(404, 'no such command');
    const { userId: _, ...outcome } = found ?? { status: 'pending' as const, userId: null };
    ctx.body = { commandId: id, ...outcome };
  });
  return router;
}
