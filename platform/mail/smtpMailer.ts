import nodemailer from 'nodemailer';
import type { Mailer, MailMessage } from './port';

/** Mail through an SMTP server (`smtp://user:pass@host:port`; `smtps://` for TLS). */
export function smtpMailer(url: string, from: string): Mailer {
  const transport = nodemailer.createTransport(url, { from });
  return {
    kind: 'smtp',
    async send(message: MailMessage) {
      await transport.sendMail({ from, to: message.to, subject: message.subject, text: message.text });
    },
    close: () => transport.close(),
  };
}
