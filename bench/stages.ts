import type { Pool } from 'pg';
import type { EventLog } from '../platform/eventlog/port';
import type { RequestRecord } from './http';
import { round, summarize, type Summary } from './util';

/**
 * Where a write's time goes, per request, from timestamps the system records anyway:
 *   t0 (client sends) → command.metadata.timestamp (app built the command, about to publish)
 *   → event/rejection metadata.timestamp (component decided) → command_outcomes.recorded_at
 *   (start of the projector transaction that recorded the outcome) → t1 (client has the answer).
 * The request's traceparent is the join key: it becomes the command's traceId and its events'.
 * All clocks are this machine's; command and event timestamps have millisecond resolution.
 */
export interface StageBreakdown {
  joined: number;
  /** HTTP in, JWT check, body validation, (POST) the "already registered?" query. */
  httpToCommandMs: Summary;
  /** Command publish + ack, the log's delivery to the component, queueing behind earlier commands, decide. */
  commandToDecisionMs: Summary;
  /** Event append to the log, delivery to the projector, waiting for the projector's previous batch. */
  decisionToProjectorTxMs: Summary;
  /** Projector transaction to commit, NOTIFY, outcome lookup, view read, HTTP answer. */
  projectorTxToAnswerMs: Summary;
  /** Outcomes per projector transaction: how much the projector batches under this load. */
  projectorTransactions: number;
  outcomesPerTransaction: number;
}

export interface Timeline {
  command: Map<string, { commandId: string; at: number }>;
  decision: Map<string, number>;
  recorded: Map<string, number>;
  /** Position of the last entry on the event channel (before the read's own fence). */
  eventChannelEnd: number;
  /** Events (not entries) on the event channel. */
  events: number;
}

/** Reads the run's command and event channels and the outcome table once. */
export async function readTimeline(log: EventLog, pool: Pool, category: string): Promise<Timeline> {
  const command = new Map<string, { commandId: string; at: number }>();
  const decision = new Map<string, number>();
  let eventChannelEnd = 0;
  let events = 0;
  await log.read(category, 'command', 1, (d) => {
    const c = JSON.parse(d.body) as {
      id?: string;
      metadata?: { traceId: string; timestamp: string };
    };
    if (c.id && c.metadata)
      command.set(c.metadata.traceId, { commandId: c.id, at: Date.parse(c.metadata.timestamp) });
  });
  await log.read(category, 'event', 1, (d) => {
    const e = JSON.parse(d.body) as {
      events?: Array<{ metadata: { traceId: string; timestamp: string } }>;
      rejection?: { metadata: { traceId: string; timestamp: string } };
    };
    eventChannelEnd = Math.max(eventChannelEnd, d.position);
    events += e.events?.length ?? 0;
    const meta = e.events?.[0]?.metadata ?? e.rejection?.metadata;
    if (meta) decision.set(meta.traceId, Date.parse(meta.timestamp));
  });
  const { rows } = await pool.query<{ command_id: string; at: number }>(
    'SELECT command_id, extract(epoch FROM recorded_at)::float8 * 1000 AS at FROM platform.command_outcomes',
  );
  const recorded = new Map(rows.map((r) => [r.command_id, r.at]));
  return { command, decision, recorded, eventChannelEnd, events };
}

export function breakdown(records: RequestRecord[], t: Timeline): StageBreakdown {
  const a: number[] = [];
  const b: number[] = [];
  const c: number[] = [];
  const d: number[] = [];
  const txs = new Set<number>();
  let outcomes = 0;
  for (const r of records) {
    const cmd = t.command.get(r.traceId);
    const decided = t.decision.get(r.traceId);
    const rec = cmd ? t.recorded.get(cmd.commandId) : undefined;
    if (rec !== undefined) {
      txs.add(rec);
      outcomes++;
    }
    if (!cmd || decided === undefined || rec === undefined) continue;
    a.push(cmd.at - r.t0);
    b.push(decided - cmd.at);
    c.push(rec - decided);
    d.push(r.t1 - rec);
  }
  return {
    joined: a.length,
    httpToCommandMs: summarize(a),
    commandToDecisionMs: summarize(b),
    decisionToProjectorTxMs: summarize(c),
    projectorTxToAnswerMs: summarize(d),
    projectorTransactions: txs.size,
    outcomesPerTransaction: txs.size ? round(outcomes / txs.size, 1) : 0,
  };
}
