import nodemailer from 'nodemailer';
import type { Mailer, MailMessage } from './port';

/** Mail through an SMTP server (`smtp://user:pass@host:port`; `smtps://` for TLS). */
export function smtpMailer(url: string, from: string): Mailer {
  const transport = nodemailer.createTransport(url, { from });
  return {
    kind: 'smtp',
    async send(message: MailMessage) {
      try {
        // One mailbox, as given: a string would be parsed as an address list, and "x,y@example.com"
        // (a valid address) would go to y@example.com, "a(b)@…" to a@…, "a;b@…" to b@….
        await transport.sendMail({
          from,
          to: { name: '', address: message.to },
          subject: message.subject,
          text: message.text,
        });
      } catch (err) {
        // A 5xx reply (no such mailbox, message refused) is final: sending again cannot help.
        const code = (err as { responseCode?: number }).responseCode;
        if (code !== undefined && code >= 500 && code < 600)
          Object.assign(err as object, { permanent: true });
        throw err;
      }
    },
    close: () => transport.close(),
  };
}
