import {
  CommandEnvelopeSchema,
  type CommandEnvelope,
  type EventEnvelope,
  type Metadata,
} from '../../contracts/envelope';
import { streamCategory } from '../../contracts/envelope';
import { contracts } from '../../contracts/registry';
import { parseJson, type Decoded } from '../eventlog/entries';
import type { Delivery, EventLog, Subscription } from '../eventlog/port';
import { validate } from '../validation';
import { currentTraceparent } from '../tracing';

const commandEnvelope = CommandEnvelopeSchema();

/** A command-channel message, checked against the envelope and its type's contract. */
export function decodeCommand(
  category: string,
  body: string,
  kind: 'command' | 'process' = 'command',
): Decoded<CommandEnvelope> | { ok: 'fence' } {
  const parsed = parseJson(body);
  if (!parsed.ok) return parsed;
  if (parsed.value && typeof parsed.value === 'object' && 'fence' in parsed.value)
    return { ok: 'fence' };
  const envelope = validate(commandEnvelope, parsed.value, 'command');
  if (!envelope.ok) return envelope;
  const command = envelope.value as CommandEnvelope;
  if (streamCategory(command.streamId) !== category)
    return { ok: false, error: `command for ${command.streamId} on ${category}` };
  const problem = checkData(command, kind, `${command.type}.data`);
  return problem ? { ok: false, error: problem } : { ok: true, value: command };
}

function checkData(
  command: CommandEnvelope,
  kind: 'command' | 'process',
  what: string,
): string | null {
  const category = streamCategory(command.streamId);
  const schema =
    kind === 'process'
      ? contracts[category]?.process?.[command.type]
      : contracts[category]?.commands[command.type];
  if (!schema) return `unknown command type ${command.type}`;
  const data = validate(schema, command.data, what);
  return data.ok ? null : data.error;
}

/**
 * Checks a command before it is sent, as its consumer will: what breaks the contract never
 * reaches the log. Problems with the data are named as the request body's fields.
 */
export function checkCommand(
  command: CommandEnvelope,
  kind: 'command' | 'process' = 'command',
): string | null {
  const envelope = validate(commandEnvelope, command, 'command');
  if (!envelope.ok) return envelope.error.replace(/^command\.data/, 'body');
  return checkData(command, kind, 'body');
}

/**
 * Metadata of a message caused by `cause`: same trace and correlation, caused by it. Its
 * traceparent is the span that handles the cause (a decision, a reaction), or the cause's own when
 * this process traces nothing, so a later process that does still joins the trace.
 */
export function follow(
  cause: CommandEnvelope | EventEnvelope,
  now = new Date().toISOString(),
): Metadata {
  const traceparent = currentTraceparent() ?? cause.metadata.traceparent;
  return {
    traceId: cause.metadata.traceId,
    correlationId: cause.metadata.correlationId,
    causationId: cause.id,
    userId: cause.metadata.userId,
    timestamp: now,
    ...(traceparent ? { traceparent } : {}),
  };
}

/**
 * A category's commands as a component takes them, whichever host: one durable consumer per
 * category, shared by its instances, so a category moves between leased and shared components
 * without a command lost or taken twice.
 */
export const takeCommands = (
  log: EventLog,
  category: string,
  options: { maxInFlight?: number; ackWaitMs?: number },
  handler: (d: Delivery) => void,
): Promise<Subscription> =>
  log.subscribe(
    category,
    'command',
    {
      durableName: `${category}-component`,
      maxInFlight: options.maxInFlight ?? 256,
      ackWaitMs: options.ackWaitMs ?? 30_000,
    },
    handler,
  );
