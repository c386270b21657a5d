import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { Pool } from 'pg';
import type { CommandEnvelope } from '../../contracts/envelope';
import type { RejectionCode } from '../../contracts/outcomes';
import type { Delivery, EventLog, Subscription } from '../eventlog/port';
import { logger } from '../logger';
import { decodeCommand } from './messages';
import { recordOutcome, type Outcome, type OutcomeWaiter } from './outcomes';

/**
 * What a process command does in Temporal, given the outcome recorded for it before (a
 * redelivery); returns a result when the request should get one, or 'duplicate' when the command
 * was already done.
 */
export type ProcessRoute = (
  command: CommandEnvelope,
  ctx: { client: Client; db: Pool; taskQueue: string; eager: () => boolean },
  earlier: Outcome | null,
) => Promise<{ result?: unknown } | 'duplicate' | void>;

/** A refusal the route decided itself, before asking Temporal. */
export class ProcessRefusal extends Error {
  constructor(
    readonly code: RejectionCode,
    message: string,
  ) {
    super(message);
  }
}

const CODES: RejectionCode[] = ['conflict', 'already_exists', 'not_found', 'invalid', 'forbidden', 'expired'];

/**
 * Carries process commands from the log to Temporal: starts workflows (their ids come from the
 * entity, so a redelivered command starts nothing new) and sends decisions as Updates (their id
 * is the command's, so Temporal applies a redelivered one once). A decision the workflow's
 * validator refuses is recorded as the command's outcome at once, so the waiting request answers.
 */
export class DispatcherHost {
  private readonly subscriptions: Subscription[] = [];
  private readonly underway = new Set<Promise<void>>();
  private stopping = false;
  readonly stats = { dispatched: 0, refused: 0, duplicates: 0, parked: 0, failures: 0 };

  constructor(
    private readonly log: EventLog,
    private readonly ctx: { client: Client; db: Pool; taskQueue: string; eager: () => boolean; outcomes: OutcomeWaiter },
    private readonly routes: Record<string, Record<string, ProcessRoute>>,
  ) {}

  get isActive(): boolean {
    return this.subscriptions.length === Object.keys(this.routes).length;
  }

  async start(): Promise<void> {
    for (const category of Object.keys(this.routes)) {
      // Wide: an accepted Update answers only when the workflow task that ran it completes, after
      // its local activities (a second or so under load), and each command in flight holds a slot.
      const sub = await this.log.subscribe(category, 'process', { durableName: `${category}-dispatcher`, maxInFlight: 128, ackWaitMs: 60_000 }, (d) =>
        this.receive(category, d),
      );
      if (this.stopping) return sub.close();
      this.subscriptions.push(sub);
    }
  }

  private receive(category: string, delivery: Delivery): void {
    if (this.stopping) return;
    const work = this.dispatch(category, delivery).catch((err: Error) => {
      // Left unacknowledged: the log offers it again after the ack wait.
      this.stats.failures++;
      logger.error({ category, position: delivery.position, err: err.message }, 'dispatch failed; will retry');
    });
    this.underway.add(work);
    void work.finally(() => this.underway.delete(work));
  }

  private async dispatch(category: string, delivery: Delivery): Promise<void> {
    const decoded = decodeCommand(category, delivery.body, 'process');
    if (decoded.ok === 'fence') return delivery.ack();
    if (!decoded.ok) {
      this.stats.parked++;
      logger.warn({ category, position: delivery.position, reason: decoded.error }, 'parked process command');
      return this.log.park(category, 'process', delivery, decoded.error);
    }
    const command = decoded.value;
    const earlier = await this.ctx.outcomes.find(command.id);
    // A refusal stands: the same command later must not slip through a changed state. An
    // acceptance does not prove the Update arrived: the workflow's step records it before Temporal
    // keeps the Update (both when the task completes; a task that fails loses the Update), so it
    // is sent again and Temporal drops it by its id if it had arrived. Starts decide for themselves.
    if (earlier?.status === 'rejected') {
      this.stats.duplicates++;
      return delivery.ack();
    }
    const route = this.routes[category]![command.type]!;
    const base = { commandId: command.id, category, streamId: command.streamId, userId: command.metadata.userId };
    try {
      const done = await this.routeWhenStarted(route, command, earlier);
      if (done === 'duplicate') {
        this.stats.duplicates++;
        return delivery.ack();
      }
      if (done && 'result' in done) await recordOutcome(this.ctx.db, { ...base, status: 'accepted', result: done.result });
      this.stats.dispatched++;
    } catch (err) {
      const refusal = refusalOf(err);
      if (!refusal) throw err;
      this.stats.refused++;
      await recordOutcome(this.ctx.db, { ...base, status: 'rejected', ...refusal });
    }
    delivery.ack();
  }

  /**
   * Approvals started before the local-steps change record an invoice, then start its payment
   * workflow: the invoice is visible a moment before its process exists, so a decision that
   * finds no process waits briefly for it. (Newer approvals start the process first.)
   */
  private async routeWhenStarted(route: ProcessRoute, command: CommandEnvelope, earlier: Outcome | null) {
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        return await route(command, this.ctx, earlier);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError) || Date.now() > deadline || this.stopping) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.underway]);
    await Promise.all(this.subscriptions.splice(0).map((s) => s.close()));
  }
}

/** A workflow's refusal (its validator's ApplicationFailure type is the code), or ours. */
function refusalOf(err: unknown): { code: RejectionCode; reason: string } | null {
  if (err instanceof ProcessRefusal) return { code: err.code, reason: err.message };
  if (err instanceof WorkflowNotFoundError) return { code: 'conflict', reason: 'that process is not running (not sent, or already over)' };
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause as { type?: string; message?: string } | undefined;
    const code = CODES.find((c) => c === cause?.type) ?? 'invalid';
    return { code, reason: cause?.message ?? err.message };
  }
  return null;
}
