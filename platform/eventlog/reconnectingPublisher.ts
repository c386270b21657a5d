import type { CommandEnvelope } from '../../contracts/envelope';
import { logger } from '../logger';
import type { StanEventLog } from './stanEventLog';

/** Only sends commands: what activities need of the log. */
export interface CommandPublisher {
  sendCommand(command: CommandEnvelope, kind?: 'command' | 'process'): Promise<void>;
  isConnected(): boolean;
  close(): Promise<void>;
}

/**
 * A publisher that outlives its connection. A STAN session cannot be resumed once lost, so the
 * next send opens a new one; a send that fails throws, and the activity that called it is retried
 * by Temporal with the same command id, so nothing is appended twice.
 */
export class ReconnectingPublisher implements CommandPublisher {
  private current: Promise<StanEventLog> | null = null;
  private live: StanEventLog | null = null;
  private closed = false;

  constructor(private readonly connect: () => Promise<StanEventLog>) {}

  private session(): Promise<StanEventLog> {
    if (!this.current) {
      const opening = this.connect();
      this.current = opening;
      opening.then(
        (log) => {
          this.live = log;
          log.onConnectionLost(() => this.drop(log));
        },
        () => {
          if (this.current === opening) this.current = null;
        },
      );
    }
    return this.current;
  }

  private drop(log: StanEventLog): void {
    if (this.live !== log) return;
    logger.warn('log connection lost; the next send reconnects');
    this.live = null;
    this.current = null;
    void log.close().catch(() => undefined);
  }

  async sendCommand(
    command: CommandEnvelope,
    kind: 'command' | 'process' = 'command',
  ): Promise<void> {
    if (this.closed) throw new Error('publisher closed');
    const log = await this.session();
    try {
      await log.sendCommand(command, kind);
    } catch (err) {
      this.drop(log);
      throw err;
    }
  }

  isConnected(): boolean {
    return this.live?.isConnected() ?? false;
  }

  async close(): Promise<void> {
    this.closed = true;
    const log = this.live;
    this.live = null;
    this.current = null;
    await log?.close();
  }
}
