import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { logger } from '../logger';
import type { Mailer, MailMessage } from './port';

/**
 * Local development without a mail server: each message is written to a file a developer can
 * open (and logged), so an invitation can be followed without sending anything anywhere.
 */
export function captureMailer(dir: string, from: string): Mailer {
  return {
    kind: 'capture',
    async send(message: MailMessage) {
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${message.to.replace(/[^\w@.-]/g, '_')}.eml`);
      writeFileSync(file, `From: ${from}\nTo: ${message.to}\nSubject: ${message.subject}\n\n${message.text}\n`);
      logger.info({ to: message.to, subject: message.subject, file }, 'mail captured (development)');
    },
    close: () => undefined,
  };
}
