import type { Config } from '../config';
import { logger } from '../logger';
import { captureMailer } from './captureMailer';
import type { Mailer } from './port';
import { smtpMailer } from './smtpMailer';

/** SMTP when `SMTP_URL` is set; otherwise messages are captured to files for a developer. */
export function mailerFrom(config: Config): Mailer {
  if (config.mail.smtpUrl) return smtpMailer(config.mail.smtpUrl, config.mail.from);
  if (!config.auth.devMode)
    logger.warn(
      { dir: config.mail.captureDir },
      'SMTP_URL is not set: mail is only captured to files',
    );
  return captureMailer(config.mail.captureDir, config.mail.from);
}
