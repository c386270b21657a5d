// Jest's globalTeardown (jest.config.js). Jest waits for every handle a suite left open, so a
// suite that fails in its setup and leaves a socket behind turns a failing run into one that never
// ends. After the run, this waits JEST_EXIT_GUARD_MS (10 s) for the process to end by itself; if
// it has not, it names what keeps it alive and exits with the run's verdict (Jest sets the exit
// code of a failed run on exit). `npm test -- --detectOpenHandles` says where each was opened.
'use strict';

/** One line per handle: what it is and, for sockets, servers and children, which one. */
function describeHandle(handle) {
  const kind = handle && handle.constructor ? handle.constructor.name : typeof handle;
  if (kind === 'Socket' && handle.remotePort)
    return `Socket to ${handle.remoteAddress}:${handle.remotePort}`;
  if (kind === 'Server' && typeof handle.address === 'function') {
    const a = handle.address();
    return `Server listening on ${a && typeof a === 'object' ? `${a.address}:${a.port}` : a}`;
  }
  if (kind === 'ChildProcess') return `ChildProcess ${handle.pid} (${handle.spawnfile})`;
  return kind;
}

module.exports = async function exitGuard() {
  const ms = Number(process.env.JEST_EXIT_GUARD_MS || 10_000);
  const timer = setTimeout(() => {
    const handles = process
      ._getActiveHandles()
      // Jest's own output streams are always open.
      .filter((h) => h !== process.stdout && h !== process.stderr && h !== process.stdin)
      .map(describeHandle);
    process.stderr.write(
      `\nJest exit guard: the run ended ${ms / 1000} s ago but these are still open, so it is ended ` +
        `now (a suite did not close what it opened; npm test -- --detectOpenHandles says where):\n` +
        `${handles.map((h) => `  - ${h}`).join('\n') || '  (no handle: resources ' + process.getActiveResourcesInfo().join(', ') + ')'}\n`,
    );
    process.exit();
  }, ms);
  // It must not itself keep the process alive.
  timer.unref();
};
