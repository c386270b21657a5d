// Prebuilds the workflow bundles the worker runs in production (`npm run build` calls it), so a
// worker starts in a fraction of a second instead of bundling on every start. Two: the plain one,
// and its twin with the OpenTelemetry workflow interceptors for a worker that traces (a bundle's
// workflow interceptors are fixed when it is made).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { repoPath } from '../platform/paths';
import { tracedBundle, WORKFLOW_TRACING_MODULE } from '../platform/tracing/temporal';

const quiet = {
  info() {},
  warn() {},
  error: console.error,
  debug() {},
  trace() {},
  log() {},
};

async function main(): Promise<void> {
  const out = repoPath('dist', 'workflow-bundle.js');
  for (const [path, workflowInterceptorModules] of [
    [out, []],
    [tracedBundle(out), [WORKFLOW_TRACING_MODULE]],
  ] as const) {
    const { code } = await bundleWorkflowCode({
      workflowsPath: join(__dirname, '..', 'workflows'),
      workflowInterceptorModules: [...workflowInterceptorModules],
      logger: quiet,
    });
    writeFileSync(path, code);
    process.stdout.write(`workflow bundle: ${path} (${Math.round(code.length / 1024)} KiB)\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
