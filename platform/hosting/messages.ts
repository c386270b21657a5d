import { CommandEnvelopeSchema, type CommandEnvelope, type EventEnvelope, type Metadata } from '../../contracts/envelope';
import { streamCategory } from '../../contracts/envelope';
import { contracts } from '../../contracts/registry';
import { parseJson, type Decoded } from '../eventlog/entries';
import { validate } from '../validation';

const commandEnvelope = CommandEnvelopeSchema();

/** A command-channel message, checked against the envelope and its type's contract. */
export function decodeCommand(category: string, body: string, kind: 'command' | 'process' = 'command'): Decoded<CommandEnvelope> | { ok: 'fence' } {
  const parsed = parseJson(body);
  if (!parsed.ok) return parsed;
  if (parsed.value && typeof parsed.value === 'object' && 'fence' in parsed.value) return { ok: 'fence' };
  const envelope = validate(commandEnvelope, parsed.value, 'command');
  if (!envelope.ok) return envelope;
  const command = envelope.value as CommandEnvelope;
  if (streamCategory(command.streamId) !== category) return { ok: false, error: `command for ${command.streamId} on ${category}` };
  const schema = kind === 'process' ? contracts[category]?.process?.[command.type] : contracts[category]?.commands[command.type];
  if (!schema) return { ok: false, error: `unknown command type ${command.type}` };
  const data = validate(schema, command.data, `${command.type}.data`);
  return data.ok ? { ok: true, value: command } : data;
}

/** Metadata of a message caused by `cause`: same trace and correlation, caused by it. */
export function follow(cause: CommandEnvelope | EventEnvelope, now = new Date().toISOString()): Metadata {
  return {
    traceId: cause.metadata.traceId,
    correlationId: cause.metadata.correlationId,
    causationId: cause.id,
    userId: cause.metadata.userId,
    timestamp: now,
  };
}
