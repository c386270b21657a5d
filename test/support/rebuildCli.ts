import { spawn } from 'node:child_process';
import { repoPath } from '../../platform/paths';
import { TEST_STAN } from './env';
import type { TestSystem } from './system';

/** `node dist/main.js rebuild <context>` against a test system, as an operator runs it. */
export function runRebuild(
  sys: TestSystem,
  context: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [repoPath('dist', 'main.js'), 'rebuild', context], {
      env: {
        ...process.env,
        ...sys.env,
        STAN_URL: TEST_STAN.url,
        STAN_CLUSTER_ID: TEST_STAN.clusterId,
        LOG_LEVEL: 'warn',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
