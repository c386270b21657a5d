import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '../../contracts/envelope';
import { postgresEffectLedger } from '../../platform/postgres/effectLedger';
import { smtpMailer } from '../../platform/mail/smtpMailer';
import { startTestSmtp, type TestSmtp } from '../../test/support/smtp';
import { testDatabase, type TestDatabase } from '../../test/support/env';
import { invitationMailer } from './invitationMailer';

jest.setTimeout(30_000);

/* The invitation mailer on the shared effect ledger (real Postgres) and a real SMTP server. */

let db: TestDatabase;
let smtp: TestSmtp;
beforeAll(async () => {
  db = await testDatabase();
  smtp = await startTestSmtp();
});
afterAll(async () => {
  await smtp?.close();
  await db?.drop();
});

const invited = (email: string): EventEnvelope => {
  const teamId = randomUUID();
  return {
    id: randomUUID(),
    type: 'MemberInvited',
    streamId: `team-${teamId}`,
    version: 2,
    data: {
      inviteId: randomUUID(),
      email,
      expiration: '2030-01-01T00:00:00.000Z',
      invitedBy: randomUUID(),
      teamName: 'Shop',
    },
    metadata: {
      traceId: 't',
      correlationId: 'c',
      causationId: null,
      userId: null,
      timestamp: '2029-12-01T00:00:00.000Z',
    },
  };
};

it('sends an invitation once, however often its event is delivered', async () => {
  const mailer = smtpMailer(smtp.url, 'no-reply@devpie.test');
  const reaction = invitationMailer(mailer, postgresEffectLedger(db.pool), 'https://app.example');
  try {
    const event = invited('ivy@example.com');
    await reaction.handle(event);
    await reaction.handle(event);
    // Another instance of the reactor, after the first one died: the ledger is shared.
    await invitationMailer(mailer, postgresEffectLedger(db.pool), 'https://app.example').handle(
      event,
    );
    expect(smtp.received.filter((m) => m.to.includes('ivy@example.com'))).toHaveLength(1);
  } finally {
    mailer.close();
  }
});

it('a mail server that was down gets the invitation on the next attempt', async () => {
  const down = await startTestSmtp();
  await down.close();
  const ledger = postgresEffectLedger(db.pool);
  const event = invited('jo@example.com');
  const failing = smtpMailer(down.url, 'no-reply@devpie.test');
  await expect(
    invitationMailer(failing, ledger, 'https://app.example').handle(event),
  ).rejects.toThrow();
  failing.close();
  const mailer = smtpMailer(smtp.url, 'no-reply@devpie.test');
  try {
    await invitationMailer(mailer, ledger, 'https://app.example').handle(event);
    expect(smtp.received.filter((m) => m.to.includes('jo@example.com'))).toHaveLength(1);
  } finally {
    mailer.close();
  }
});
