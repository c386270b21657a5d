import type { CommandEnvelope } from '../../contracts/envelope';
import { logger } from '../logger';
import { LogUnavailable, type LogSession } from './port';

/** Only sends commands: what apps and activities need of the log. */
export interface CommandPublisher {
  sendCommand(command: CommandEnvelope, kind?: 'command' | 'process'): Promise<void>;
  isConnected(): boolean;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A publisher that outlives its connection. A STAN session cannot be resumed once lost (a
 * JetStream connection is lost only when it is closed for good), so a new one is opened in the
 * background, and until it is up a send fails at once with LogUnavailable (an app answers 503
 * with Retry-After) instead of hanging: the caller retries, and a command sent again under the
 * same id is decided once.
 */
export class ReconnectingPublisher implements CommandPublisher {
  private live: LogSession | null = null;
  private opening: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly connect: () => Promise<LogSession>,
    /** How long a send waits for a session being opened (the first one, at start) before it fails. */
    private readonly openWaitMs = 1_000,
  ) {}

  /** Opens the session now rather than on the first send. */
  start(): this {
    this.reopen();
    return this;
  }

  private isClosed(): boolean {
    return this.closed;
  }

  private reopen(): void {
    if (this.opening || this.closed) return;
    this.opening = (async () => {
      for (let attempt = 0; !this.closed; attempt++) {
        try {
          const log = await this.connect();
          // Closed while the session was being opened (`close()` runs meanwhile).
          if (this.isClosed()) {
            await log.close();
            return;
          }
          this.live = log;
          log.onConnectionLost(() => this.drop(log));
          if (attempt > 0) logger.info('log session open again');
          return;
        } catch (err) {
          if (attempt % 10 === 0)
            logger.warn({ err: (err as Error).message }, 'log unreachable; trying again');
          await sleep(Math.min(5_000, 250 * 2 ** Math.min(attempt, 5)));
        }
      }
    })().finally(() => (this.opening = null));
  }

  private drop(log: LogSession): void {
    if (this.live !== log) return;
    logger.warn('log session lost; opening a new one');
    this.live = null;
    void log.close().catch(() => undefined);
    this.reopen();
  }

  async sendCommand(
    command: CommandEnvelope,
    kind: 'command' | 'process' = 'command',
  ): Promise<void> {
    if (this.closed) throw new Error('publisher closed');
    if (!this.live) {
      this.reopen();
      const opening = this.opening;
      if (opening) await Promise.race([opening, sleep(this.openWaitMs)]);
    }
    const log = this.live;
    if (!log?.isConnected()) throw new LogUnavailable();
    await log.sendCommand(command, kind);
  }

  isConnected(): boolean {
    return this.live?.isConnected() ?? false;
  }

  async close(): Promise<void> {
    this.closed = true;
    const log = this.live;
    this.live = null;
    await log?.close();
  }
}
