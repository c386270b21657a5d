/** `/readyz` of a process, asked every few milliseconds: when it turned, and which way. */
export interface ReadinessWatch {
  changes: Array<{ at: number; ready: boolean }>;
  /** The checks that failed in the last not-ready answer before the process was ready again. */
  lastFailing: string[];
  /** The first moment at or after `t` when readiness was `ready`. */
  firstAfter(t: number, ready: boolean): number | null;
  stop(): Promise<void>;
}

export function watchReadiness(port: number, everyMs = 100): ReadinessWatch {
  const changes: Array<{ at: number; ready: boolean }> = [];
  const failing: string[] = [];
  let running = true;
  const loop = (async () => {
    let last: boolean | null = null;
    while (running) {
      const at = Date.now();
      let ready = false;
      try {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`, {
          signal: AbortSignal.timeout(3000),
        });
        ready = res.status === 200;
        if (!ready) {
          const body = (await res.json()) as { checks?: Record<string, boolean> };
          failing.splice(
            0,
            failing.length,
            ...Object.keys(body.checks ?? {}).filter((k) => !body.checks?.[k]),
          );
        }
      } catch {
        ready = false;
      }
      if (ready !== last) changes.push({ at, ready });
      last = ready;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    changes,
    lastFailing: failing,
    firstAfter(t, ready) {
      return changes.find((c) => c.at >= t && c.ready === ready)?.at ?? null;
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}
