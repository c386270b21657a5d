import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { logger } from '../logger';
import type { Mailer, MailMessage } from './port';

/**
 * Local development without a mail server: each message is written to a file a developer can
 * open (and logged), so an invitation can be followed without sending anything anywhere.
 * Written off the event loop: under `npm start` the same thread serves the API.
 */
export function captureMailer(dir: string, from: string): Mailer {
  let ready: Promise<unknown> | null = null;
  return {
    kind: 'capture',
    async send(message: MailMessage) {
      // Cut to what a file name holds (255 bytes): an address may be 254 characters on its own.
      const file = join(
        dir,
        `${new Date().toISOString().replace(/[:.]/g, '-')}-${message.to.replace(/[^\w@.-]/g, '_').slice(0, 100)}.eml`,
      );
      const body = `From: ${from}\nTo: ${message.to}\nSubject: ${message.subject}\n\n${message.text}\n`;
      ready ??= mkdir(dir, { recursive: true });
      try {
        await ready;
        await writeFile(file, body);
      } catch {
        // The folder was removed (or its first creation failed): make it again, once.
        ready = mkdir(dir, { recursive: true });
        await ready;
        await writeFile(file, body);
      }
      logger.info(
        { to: message.to, subject: message.subject, file },
        'mail captured (development)',
      );
    },
    close: () => undefined,
  };
}
