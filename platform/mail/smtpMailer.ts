import nodemailer from 'nodemailer';
import type { Mailer, MailMessage } from './port';

/** Mail through an SMTP server (`smtp://user:pass@host:port`; `smtps://` for TLS). */
export function smtpMailer(url: string, from: string): Mailer {
  const transport = nodemailer.createTransport(url, { from });
  return {
    kind: 'smtp',
    async send(message: MailMessage) {
      // One mailbox, as given: a string would be parsed as an address list, and "x,y@example.com"
      // (a valid address) would go to y@example.com, "a(b)@…" to a@…, "a;b@…" to b@….
      await transport.sendMail({ from, to: { name: '', address: message.to }, subject: message.subject, text: message.text });
    },
    close: () => transport.close(),
  };
}
