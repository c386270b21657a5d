import { spawn } from 'node:child_process';
import { repoPath } from '../../platform/paths';

jest.setTimeout(180_000);

/** A run whose only suite fails in its setup and leaves a server and a socket open. */
const fixtureConfig = {
  rootDir: repoPath('test', 'support', 'fixtures', 'hang'),
  testMatch: ['**/*.fixture.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testEnvironment: 'node',
  globalTeardown: repoPath('test', 'support', 'exitGuard.js'),
};

describe('a failing run that leaves a socket open', () => {
  it('ends, fails, and names what was left open', async () => {
    const started = Date.now();
    const child = spawn(
      process.execPath,
      [
        repoPath('node_modules', 'jest', 'bin', 'jest.js'),
        '--config',
        JSON.stringify(fixtureConfig),
        '--runInBand',
      ],
      { env: { ...process.env, JEST_EXIT_GUARD_MS: '2000' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.resume();
    // Bounded by this test's own timeout too; well under it, even on a loaded machine.
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(err).toContain('setup failed on purpose');
    expect(code).toBe(1);
    expect(err).toContain('Jest exit guard');
    expect(err).toMatch(/Server listening on 127\.0\.0\.1:\d+/);
    expect(err).toMatch(/Socket to 127\.0\.0\.1:\d+/);
    expect(Date.now() - started).toBeLessThan(120_000);
  });
});
