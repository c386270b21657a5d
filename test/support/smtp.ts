import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

/** A real SMTP server on loopback that keeps what it receives. */
export interface TestSmtp {
  port: number;
  url: string;
  received: ReceivedMail[];
  close(): Promise<void>;
}

/** `refuse`: messages the server turns away for good (a 550), to make a mail step fail. */
export async function startTestSmtp(
  port = 0,
  refuse: (mail: ReceivedMail) => boolean = () => false,
): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
      stream.on('end', () => {
        const mail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
        };
        if (refuse(mail))
          return callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
        received.push(mail);
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.server.address() as { port: number }).port;
  return {
    port: actual,
    url: `smtp://127.0.0.1:${actual}`,
    received,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** Refuses payment receipts to "noreceipt…" addresses: the step after a charge fails for good. */
export const refusingReceipts = (m: ReceivedMail): boolean =>
  m.to.some((t) => t.startsWith('noreceipt')) && /Subject: Payment received/.test(m.raw);
