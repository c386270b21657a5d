import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestSmtp } from '../../test/support/smtp';
import { captureMailer } from './captureMailer';
import { smtpMailer } from './smtpMailer';

const dirs: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mail-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

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
    const dir = tmp();
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

  it('never overwrites a captured mail: two to one address in the same millisecond are two files', async () => {
    const dir = tmp();
    const at = new Date('2030-01-01T10:00:00.000Z');
    const mailer = captureMailer(dir, 'dev@devpie.local', { now: () => at });
    await Promise.all([
      mailer.send({ to: 'eve@example.com', subject: 'Invoice', text: 'one' }),
      mailer.send({ to: 'eve@example.com', subject: 'Reminder', text: 'two' }),
    ]);
    const texts = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'));
    expect(texts.map((t) => t.split('\n\n')[1]).sort()).toEqual(['one\n', 'two\n']);
  });

  it('tries another name when the one it picked is taken, rather than writing over it', async () => {
    const dir = tmp();
    const at = new Date('2030-01-01T10:00:00.000Z');
    // The unique part comes out the same twice: the second message must not land on the first.
    const parts = ['same', 'same', 'other'];
    const mailer = captureMailer(dir, 'dev@devpie.local', {
      now: () => at,
      unique: () => parts.shift() ?? 'spare',
    });
    await mailer.send({ to: 'eve@example.com', subject: 'First', text: 'one' });
    await mailer.send({ to: 'eve@example.com', subject: 'Second', text: 'two' });
    const files = readdirSync(dir).sort();
    expect(files).toEqual([
      '2030-01-01T10-00-00-000Z-eve@example.com-other.eml',
      '2030-01-01T10-00-00-000Z-eve@example.com-same.eml',
    ]);
    expect(readFileSync(join(dir, files[1]!), 'utf8')).toMatch(/Subject: First/);
    expect(readFileSync(join(dir, files[0]!), 'utf8')).toMatch(/Subject: Second/);
  });

  it('makes the folder again when it was removed while running', async () => {
    const dir = tmp();
    const mailer = captureMailer(dir, 'dev@devpie.local');
    await mailer.send({ to: 'eve@example.com', subject: 'First', text: 'one' });
    rmSync(dir, { recursive: true });
    await mailer.send({ to: 'eve@example.com', subject: 'Second', text: 'two' });
    expect(readdirSync(dir)).toHaveLength(1);
  });
});
