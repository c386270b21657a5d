// npm start's launcher (scripts/start.sh execs it once the stack is up and the build done):
// `node dist/scripts/start.js [main.js arguments]`. Without arguments it runs the layout that
// DEVPIE_PROCESSES names (all, the default, or split; see platform/runtime/layout.ts).
import { launch } from '../platform/runtime/launcher';
import { repoPath } from '../platform/paths';

const basePort = Number(process.env.PORT || 4000);
if (!Number.isInteger(basePort))
  throw new Error(`PORT: expected a whole number, got ${process.env.PORT}`);
const send = process.send?.bind(process);
const launched = launch({
  layout: process.env.DEVPIE_PROCESSES?.trim() || 'all',
  args: process.argv.slice(2),
  basePort,
  env: process.env,
  mainJs: repoPath('dist', 'main.js'),
  // A parent that watches the processes (the bench, a test) hears of each start.
  onStart: send ? (p) => send({ type: 'start:process', ...p }) : undefined,
});
// Ctrl-C reaches the processes too (one process group); a signal to this one alone is passed on.
process.on('SIGINT', () => launched.stop());
process.on('SIGTERM', () => launched.stop());
if (process.send) process.on('disconnect', () => launched.stop());
void launched.done.then((code) => process.exit(code));
