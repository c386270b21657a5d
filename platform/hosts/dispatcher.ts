import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Pool } from 'pg';
import type { CommandEnvelope } from '../../contracts/envelope';
import type { Delivery, EventLog, Subscription } from '../eventlog/port';
import { asError } from '../errors';
import { logger } from '../logger';
import { inSpan } from '../tracing';
import { describeError, isTransient, refusalOf } from './dispatchFailures';
import { FairScheduler, type FairLimits } from './fairScheduler';
import { decodeCommand } from './messages';
import { parkedEntries } from '../postgres/parkedEntries';

/** The name its parked entries go under: one dispatcher consumer per category. */
const consumerOf = (category: string): string => `${category}-dispatcher`;
import { recordOutcome, type Outcome, type OutcomeWaiter } from '../outcomes/outcomes';

export { ProcessRefusal } from './dispatchFailures';

/**
 * What a process command does in Temporal, given the outcome recorded for it before (a
 * redelivery); returns a result when the request should get one, or 'duplicate' when the command
 * was already done. (Promise<void>: routes that return nothing are `async` functions typed so.)
 */
export type ProcessRoute = (
  command: CommandEnvelope,
  ctx: { client: Client; db: Pool; taskQueue: string; eager: () => boolean },
  earlier: Outcome | null,
) => Promise<{ result?: unknown } | 'duplicate' | undefined> | Promise<void>;

export interface DispatcherOptions extends FairLimits {
  /** Deliveries the log hands over unacknowledged, per category: what the scheduler can choose from. */
  window: number;
  /** How long the log waits for an acknowledgement before it offers a command again. */
  ackWaitMs: number;
  /** Pauses between attempts while Temporal or Postgres cannot be reached: doubling from the first to the last. */
  retry: { firstMs: number; maxMs: number };
}

export const DISPATCHER_DEFAULTS: DispatcherOptions = {
  window: 1024,
  ackWaitMs: 60_000,
  total: 128,
  perUser: 16,
  perStream: 1,
  retry: { firstMs: 100, maxMs: 5000 },
};

/** The dispatcher is stopping: the command is left unacknowledged for the next one. */
class Stopping extends Error {}

/**
 * Carries process commands from the log to Temporal: starts workflows (their ids come from the
 * entity, so a redelivered command starts nothing new) and sends decisions as Updates (their id
 * is the command's, so Temporal applies a redelivered one once). A decision the workflow's
 * validator refuses is recorded as the command's outcome at once, so the waiting request answers;
 * so is a command that fails in a way trying again would not change (bad input Temporal or a
 * route refuses). Failures of reach (Temporal or Postgres away) are retried in place.
 *
 * No one user or aggregate can take the dispatcher: commands are taken from the log with a wide
 * window and run by a fair scheduler (total, per-user and per-stream caps, round-robin between
 * users), so a flood of slow or failing commands from one user delays only that user.
 */
export class DispatcherHost {
  private readonly subscriptions: Subscription[] = [];
  private readonly underway = new Set<Promise<void>>();
  private readonly scheduler: FairScheduler;
  private readonly options: DispatcherOptions;
  private readonly sleeping = new Set<() => void>();
  private stopping = false;
  private readonly open: Record<string, number> = {};
  private repairTimer: NodeJS.Timeout | null = null;
  readonly stats = {
    dispatched: 0,
    refused: 0,
    duplicates: 0,
    parked: 0,
    failures: 0,
    retries: 0,
    redeliveriesSkipped: 0,
  };

  constructor(
    private readonly log: EventLog,
    private readonly ctx: {
      client: Client;
      db: Pool;
      taskQueue: string;
      eager: () => boolean;
      outcomes: OutcomeWaiter;
    },
    private readonly routes: Record<string, Record<string, ProcessRoute>>,
    options: Partial<DispatcherOptions> = {},
  ) {
    this.options = { ...DISPATCHER_DEFAULTS, ...options };
    const { total, perUser, perStream, window } = this.options;
    if (!Number.isInteger(window) || window < total)
      throw new Error(
        `the dispatcher's window (${window}) must be a whole number no smaller than its concurrency (${total})`,
      );
    this.scheduler = new FairScheduler({ total, perUser, perStream });
  }

  get isActive(): boolean {
    return this.subscriptions.length === Object.keys(this.routes).length;
  }

  /** Commands running now, and waiting in the scheduler for a slot. */
  get load(): { running: number; queued: number } {
    return { running: this.scheduler.running, queued: this.scheduler.queued };
  }

  /** Process commands parked and not yet repaired, per category, for /readyz. */
  get parkedOpen(): Record<string, number> {
    return { ...this.open };
  }

  /**
   * A command nobody can read: on the parked channel, in the parked table and the error log, then
   * acknowledged, so the commands behind it go on.
   */
  private async park(category: string, delivery: Delivery, reason: string): Promise<void> {
    this.stats.parked++;
    this.open[category] = (this.open[category] ?? 0) + 1;
    logger.error(
      { category, position: delivery.position, reason },
      'parked a process command it cannot read; the rest go on',
    );
    await this.log.park(category, 'process', { ...delivery, ack: () => undefined }, reason);
    await parkedEntries.record(this.ctx.db, {
      consumer: consumerOf(category),
      category,
      kind: 'process',
      position: delivery.position,
      streamId: null,
      reason,
      body: delivery.body,
    });
    delivery.ack();
  }

  /**
   * What an operator asked to retry (`parked retry`, after a fix) goes back on its channel, to be
   * carried like any other command; its id makes a repeat harmless. Still unreadable: stays parked.
   */
  private async repair(): Promise<void> {
    for (const category of Object.keys(this.routes)) {
      if (!this.open[category]) continue;
      for (const row of await parkedEntries.retryRequested(this.ctx.db, consumerOf(category))) {
        const decoded = decodeCommand(category, row.body, 'process');
        if (decoded.ok === true) {
          await this.log.sendCommand(decoded.value, 'process');
          await parkedEntries.resolve(this.ctx.db, consumerOf(category), row.position);
        } else {
          await parkedEntries.failedAgain(
            this.ctx.db,
            consumerOf(category),
            row.position,
            decoded.ok === 'fence' ? 'a fence' : decoded.error,
          );
        }
      }
      this.open[category] = await parkedEntries.openCount(this.ctx.db, consumerOf(category));
    }
  }

  async start(): Promise<void> {
    for (const category of Object.keys(this.routes))
      this.open[category] = await parkedEntries.openCount(this.ctx.db, consumerOf(category));
    this.repairTimer = setInterval(() => {
      if (this.stopping || !Object.values(this.open).some((n) => n > 0)) return;
      this.repair().catch((err: unknown) =>
        logger.error({ err: asError(err).message }, 'repair of parked process commands failed'),
      );
    }, 1000);
    this.repairTimer.unref();
    for (const category of Object.keys(this.routes)) {
      // Wider than the scheduler's concurrency: the commands over a user's or an aggregate's cap
      // wait here while other users' commands, further on in the channel, go past them.
      const sub = await this.log.subscribe(
        category,
        'process',
        {
          durableName: `${category}-dispatcher`,
          maxInFlight: this.options.window,
          ackWaitMs: this.options.ackWaitMs,
        },
        (d) => this.receive(category, d),
      );
      if (this.stopping) return sub.close();
      this.subscriptions.push(sub);
    }
  }

  private receive(category: string, delivery: Delivery): void {
    if (this.stopping) return;
    // Tracked: its failures are logged there, and stop() waits for it.
    void this.track(this.dispatch(category, delivery), category, delivery);
  }

  /** Settles every path: a failure leaves the command unacknowledged, and the log offers it again. */
  private track(p: Promise<void>, category: string, delivery: Delivery): Promise<void> {
    const work = p.catch((err: unknown) => {
      if (err instanceof Stopping) return;
      this.stats.failures++;
      logger.error(
        { category, position: delivery.position, err: asError(err).message },
        'dispatch failed; will retry',
      );
    });
    this.underway.add(work);
    void work.finally(() => this.underway.delete(work));
    return work;
  }

  private async dispatch(category: string, delivery: Delivery): Promise<void> {
    const decoded = decodeCommand(category, delivery.body, 'process');
    if (decoded.ok === 'fence') {
      delivery.ack();
      return;
    }
    if (!decoded.ok) return this.park(category, delivery, decoded.error);
    const command = decoded.value;
    const taken = this.scheduler.submit({
      // The position, not the command id: a command sent twice is two messages, each acknowledged.
      key: `${category}:${delivery.position}`,
      // Commands without a user (the provider's notifications) are each aggregate's own.
      user: command.metadata.userId ?? `stream:${command.streamId}`,
      stream: command.streamId,
      // The start, Update or signal is made in this span, and Temporal's client interceptor hands
      // it to the workflow, whose spans join the request's trace.
      run: () =>
        this.track(
          inSpan(
            `dispatch ${command.type}`,
            command.metadata.traceparent,
            () => this.carry(category, delivery, command),
            {
              kind: 'consumer',
              attributes: { 'devpie.command.id': command.id, 'devpie.stream.id': command.streamId },
            },
          ),
          category,
          delivery,
        ),
    });
    // Offered again while queued or under way (its ack wait ran out): the first delivery's ack
    // acknowledges this position too.
    if (!taken) this.stats.redeliveriesSkipped++;
  }

  private async carry(
    category: string,
    delivery: Delivery,
    command: CommandEnvelope,
  ): Promise<void> {
    const earlier = await this.persist(() => this.ctx.outcomes.find(command.id));
    // A refusal stands: the same command later must not slip through a changed state. An
    // acceptance does not prove the Update arrived: the workflow's step records it before Temporal
    // keeps the Update (both when the task completes; a task that fails loses the Update), so it
    // is sent again and Temporal drops it by its id if it had arrived. Starts decide for themselves.
    if (earlier?.status === 'rejected') {
      this.stats.duplicates++;
      delivery.ack();
      return;
    }
    const route = this.routes[category]?.[command.type];
    const base = {
      commandId: command.id,
      category,
      streamId: command.streamId,
      userId: command.metadata.userId,
    };
    let done: Awaited<ReturnType<ProcessRoute>>;
    try {
      // A type its contract has and no route carries: refused, as retrying would not change it.
      if (!route) throw new Error(`no route carries ${category} ${command.type}`);
      done = await this.persist(() => this.routeWhenStarted(route, command, earlier));
    } catch (err) {
      if (err instanceof Stopping) throw err;
      const { expected, ...refusal } = refusalOf(err);
      if (!expected)
        logger.warn(
          {
            category,
            position: delivery.position,
            commandId: command.id,
            type: command.type,
            err: describeError(err),
          },
          'process command refused: it failed in a way retrying would not change',
        );
      this.stats.refused++;
      await this.persist(() =>
        recordOutcome(this.ctx.db, { ...base, status: 'rejected', ...refusal }),
      );
      delivery.ack();
      return;
    }
    if (done === 'duplicate') {
      this.stats.duplicates++;
      delivery.ack();
      return;
    }
    if (done && 'result' in done) {
      const result = done.result;
      await this.persist(() => recordOutcome(this.ctx.db, { ...base, status: 'accepted', result }));
    }
    this.stats.dispatched++;
    delivery.ack();
  }

  /**
   * Runs `attempt` until it succeeds or fails for a reason other than reach: while Temporal or
   * Postgres cannot be reached the command keeps its slot and tries again after a pause that
   * doubles up to a cap (with jitter, so held commands do not return all at once).
   */
  private async persist<T>(attempt: () => Promise<T>): Promise<T> {
    const { firstMs, maxMs } = this.options.retry;
    for (let pause = firstMs; ; pause = Math.min(pause * 2, maxMs)) {
      try {
        return await attempt();
      } catch (err) {
        if (!isTransient(err)) throw err;
        if (this.stopping) throw new Stopping();
        this.stats.retries++;
        // Loud once per command; while a server stays away every held command repeats it.
        logger[pause === firstMs ? 'warn' : 'debug'](
          { err: describeError(err), retryInMs: pause },
          'process command: transient failure; retrying',
        );
        await this.sleep(pause * (0.8 + Math.random() * 0.4));
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may have run during the sleep
        if (this.stopping) throw new Stopping();
      }
    }
  }

  /**
   * Approvals started before the local-steps change record an invoice, then start its payment
   * workflow: the invoice is visible a moment before its process exists, so a decision that
   * finds no process waits briefly for it. (Newer approvals start the process first.)
   */
  private async routeWhenStarted(
    route: ProcessRoute,
    command: CommandEnvelope,
    earlier: Outcome | null,
  ) {
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        return await route(command, this.ctx, earlier);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError) || Date.now() > deadline) throw err;
        if (this.stopping) throw new Stopping();
        await this.sleep(100);
      }
    }
  }

  /** A pause that stopping cuts short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleeping.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleeping.add(wake);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.repairTimer) clearInterval(this.repairTimer);
    // What has not started is left unacknowledged: the log offers it to the next dispatcher.
    this.scheduler.dropQueued();
    for (const wake of [...this.sleeping]) wake();
    await Promise.allSettled([...this.underway]);
    await Promise.all(this.subscriptions.splice(0).map((s) => s.close()));
  }
}
