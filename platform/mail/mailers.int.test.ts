import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestSmtp } from '../../test/support/smtp';
import { captureMailer } from './captureMailer';
import { smtpMailer } from './smtpMailer';

describe('mailers', () => {
  it('sends through a real SMTP server', async () => {
    const smtp = await startTestSmtp();
    const mailer = smtpMailer(smtp.url, 'Devpie <no-reply@devpie.test>');
    try {
      await mailer.send({ to: 'dana@example.com', subject: 'Hello', text: 'Line one\nLine two' });
      expect(smtp.received).toHaveLength(1);
      expect(smtp.received[0]).toMatchObject({
        from: 'no-reply@devpie.test',
        to: ['dana@example.com'],
      });
      expect(smtp.received[0]!.raw).toMatch(/Subject: Hello/);
      expect(smtp.received[0]!.raw).toMatch(/Line two/);
    } finally {
      mailer.close();
      await smtp.close();
    }
  });

  it('rejects when the server cannot be reached, so the caller retries', async () => {
    const smtp = await startTestSmtp();
    await smtp.close();
    const mailer = smtpMailer(smtp.url, 'no-reply@devpie.test');
    await expect(mailer.send({ to: 'x@example.com', subject: 's', text: 't' })).rejects.toThrow();
    mailer.close();
  });

  it('marks a refusal for good (5xx) as permanent, so a reactor parks it instead of retrying forever', async () => {
    const smtp = await startTestSmtp(0, () => true);
    const mailer = smtpMailer(smtp.url, 'no-reply@devpie.test');
    try {
      await expect(
        mailer.send({ to: 'gone@example.com', subject: 's', text: 't' }),
      ).rejects.toMatchObject({ permanent: true });
    } finally {
      mailer.close();
      await smtp.close();
    }
    const down = smtpMailer(smtp.url, 'no-reply@devpie.test');
    await expect(
      down.send({ to: 'x@example.com', subject: 's', text: 't' }),
    ).rejects.not.toMatchObject({ permanent: true });
    down.close();
  });

  it('captures mail to files in development', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mail-'));
    await captureMailer(dir, 'dev@devpie.local').send({
      to: 'eve@example.com',
      subject: 'Invited',
      text: 'Come in',
    });
    const [file] = readdirSync(dir);
    expect(readFileSync(join(dir, file!), 'utf8')).toMatch(
      /To: eve@example.com\nSubject: Invited\n\nCome in/,
    );
  });
});
