import { createHash } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { CommandEnvelope } from '../../contracts/envelope';
import type { RejectionCode } from '../../contracts/outcomes';
import { principal, type Principal } from '../auth/jwt';
import { nameId, newId } from '../ids';
import type { OutcomeWaiter, Outcome } from '../outcomes/outcomes';
import { HttpError } from './errors';
import type { CommandSender } from '../outcomes/commandSender';
import type { IdempotencyClaim } from '../postgres/idempotencyKeys';
import { commandEnvelope } from '../outcomes/commandEnvelope';
import { currentTraceparent, traceIdOf } from '../tracing';

const currentTraceId = (): string | undefined => {
  const traceparent = currentTraceparent();
  return traceparent ? traceIdOf(traceparent) : undefined;
};

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/** A request's command, and the Idempotency-Key that names it when the caller sent one. */
export interface BuiltCommand {
  command: CommandEnvelope;
  retried: boolean;
  idempotency: IdempotencyClaim | null;
}

/** JSON.stringify as it runs: undefined for undefined (or a function), whatever its type says. */
const stringify: (value: unknown) => string | undefined = JSON.stringify;

/** JSON with keys in one order, so the same body always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return stringify(value) ?? 'null';
}

function idempotencyKey(ctx: Context): string | null {
  const key = ctx.get('Idempotency-Key');
  if (!key) return null;
  if (!IDEMPOTENCY_KEY.test(key))
    throw new HttpError(400, 'Idempotency-Key must be 1 to 200 visible ASCII characters');
  return key;
}

/** The command id of this request: its Idempotency-Key's (scoped to caller and endpoint), or new. */
export function requestCommandId(ctx: Context, who: Principal): string {
  const key = idempotencyKey(ctx);
  return key ? nameId('command', who.sub, ctx.method, ctx.path, key) : newId();
}

/**
 * An id the request creates (a task, a column, an item): derived from the command id when the
 * request has an Idempotency-Key, so a retry names the same thing and can answer with it.
 */
export function createdId(ctx: Context, who: Principal, what: string, ...parts: string[]): string {
  return idempotencyKey(ctx) ? nameId(what, requestCommandId(ctx, who), ...parts) : newId();
}

/**
 * Builds the command for a request. An `Idempotency-Key` becomes the command id (scoped to the
 * caller), so a retried request is the same command and is decided once.
 */
export function commandFrom(
  ctx: Context,
  who: Principal,
  c: { type: string; streamId: string; data: unknown; expectedVersion?: number | null },
): BuiltCommand {
  const id = requestCommandId(ctx, who);
  // The caller's W3C trace, when it sent one; else the command starts its own. Traced, the
  // request's span has continued the caller's trace (or started one): the command names it.
  const traceId = currentTraceId() ?? /^00-([0-9a-f]{32})-/.exec(ctx.get('traceparent'))?.[1];
  const idempotency = claimOf(ctx, who);
  return {
    retried: idempotency !== null,
    idempotency,
    command: commandEnvelope({ id, ...c }, { userId: who.sub, ...(traceId ? { traceId } : {}) }),
  };
}

/** The request an Idempotency-Key names: method, path, If-Match and body, hashed. */
function claimOf(ctx: Context, who: Principal): IdempotencyClaim | null {
  const key = idempotencyKey(ctx);
  if (!key) return null;
  const request = [ctx.method, ctx.path, ctx.get('If-Match'), canonical(ctx.request.json ?? null)];
  return {
    owner: who.sub,
    key,
    fingerprint: createHash('sha256').update(JSON.stringify(request)).digest('base64url'),
  };
}

/**
 * Sends a request's command: claims its Idempotency-Key (422 when the key named another
 * request), then sends and waits for the outcome (null when it was not visible in time).
 */
export async function dispatchCommand(
  commands: CommandSender,
  built: BuiltCommand,
  kind: 'command' | 'process' = 'command',
): Promise<Outcome | null> {
  const seen = built.idempotency ? (await commands.claim(built.idempotency)) === 'same' : false;
  return commands.send(built.command, { maybeSeen: seen, kind });
}

/** `If-Match: "3"` (or W/"3") → expected version 3; absent → no check. */
export function expectedVersionFrom(ctx: Context): number | null {
  const header = ctx.get('If-Match');
  // `*` matches whatever version is current (RFC 9110): no check.
  if (!header || header.trim() === '*') return null;
  // No version we issue is longer than the safe integers: anything else cannot match, and
  // Number() of 400 digits is Infinity, which JSON turns into null, which means "no check".
  const m = /^(?:W\/)?"(\d{1,16})"$/.exec(header.trim());
  const version = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(version))
    throw new HttpError(400, 'If-Match must be an ETag this API gave, like "3"');
  return version;
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
  commands: CommandSender,
  built: BuiltCommand,
  kind: 'command' | 'process' = 'command',
): Promise<boolean> {
  return settled(ctx, built, await dispatchCommand(commands, built, kind));
}

/** An outcome that was accepted. */
export type Accepted = Extract<Outcome, { status: 'accepted' }>;

/**
 * As `sendCommand`, answering with the accepted outcome (its events, when its announcement
 * carried them, let the caller answer without reading the views); null when the answer is
 * settled already (202).
 */
export async function acceptedCommand(
  ctx: Context,
  commands: CommandSender,
  built: BuiltCommand,
  kind: 'command' | 'process' = 'command',
): Promise<Accepted | null> {
  const outcome = await dispatchCommand(commands, built, kind);
  return settled(ctx, built, outcome) && outcome?.status === 'accepted' ? outcome : null;
}

/** Answers 202 for an outcome not visible in time (false), throws a refusal; true when accepted. */
export function settled(ctx: Context, built: BuiltCommand, outcome: Outcome | null): boolean {
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
    const id = ctx.params.id;
    if (!id || !/^[0-9a-f-]{36}$/i.test(id)) throw new HttpError(404, 'no such command');
    const found = await waiter.find(id);
    if (found && found.userId !== who.sub) throw new HttpError(404, 'no such command');
    const { userId: _, ...outcome } = found ?? { status: 'pending' as const, userId: null };
    ctx.body = { commandId: id, ...outcome };
  });
  return router;
}
