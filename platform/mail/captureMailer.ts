import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { logger } from '../logger';
import type { Mailer, MailMessage } from './port';

export interface CaptureOptions {
  now?: () => Date;
  /** The part of a file name that tells two messages of one moment to one address apart. */
  unique?: () => string;
}

/** Names tried for one message before giving up: a clash is already one in four billion. */
const NAME_TRIES = 5;

const errorCode = (err: unknown): unknown => (err as { code?: unknown } | null)?.code;

/**
 * Local development without a mail server: each message is written to a file a developer can
 * open (and logged), so an invitation can be followed without sending anything anywhere.
 * Written off the event loop: under `npm start` the same thread serves the API.
 *
 * A file is never overwritten: two messages to one address in the same millisecond (an invoice
 * and its process's first notice) would share a time-and-address name, so each name has a random
 * part, and the file is created exclusively (`wx`), another name tried if it exists.
 */
export function captureMailer(dir: string, from: string, options: CaptureOptions = {}): Mailer {
  const now = options.now ?? (() => new Date());
  const unique = options.unique ?? (() => randomBytes(4).toString('hex'));
  let ready: Promise<unknown> | null = null;

  async function writeNew(stem: string, body: string): Promise<string> {
    let remade = false;
    for (let tries = 1; ; tries++) {
      const file = join(dir, `${stem}-${unique()}.eml`);
      try {
        ready ??= mkdir(dir, { recursive: true });
        await ready;
        await writeFile(file, body, { flag: 'wx' });
        return file;
      } catch (err) {
        if (errorCode(err) === 'EEXIST' && tries < NAME_TRIES) continue;
        // The folder was removed (or its first creation failed): make it again, once.
        if (!remade && errorCode(err) !== 'EEXIST') {
          remade = true;
          ready = mkdir(dir, { recursive: true });
          continue;
        }
        throw err;
      }
    }
  }

  return {
    kind: 'capture',
    async send(message: MailMessage) {
      // Cut to what a file name holds (255 bytes): an address may be 254 characters on its own.
      const stem = `${now().toISOString().replace(/[:.]/g, '-')}-${message.to.replace(/[^\w@.-]/g, '_').slice(0, 100)}`;
      const body = `From: ${from}\nTo: ${message.to}\nSubject: ${message.subject}\n\n${message.text}\n`;
      const file = await writeNew(stem, body);
      logger.info(
        { to: message.to, subject: message.subject, file },
        'mail captured (development)',
      );
    },
    close: () => undefined,
  };
}
