/** `/readyz` of a process, asked every few milliseconds: when it turned, and which way. */
export interface ReadinessWatch {
  changes: Array<{ at: number; ready: boolean }>;
  /** The checks that failed in the last not-ready answer before the process was ready again. */
  lastFailing: string[];
  /** Whether `/readyz` ever answered with this status (`catching up`, say). */
  sawStatus(status: string): boolean;
  /** The first moment at or after `t` when readiness was `ready`. */
  firstAfter(t: number, ready: boolean): number | null;
  stop(): Promise<void>;
}

export function watchReadiness(port: number, everyMs = 100): ReadinessWatch {
  const changes: Array<{ at: number; ready: boolean }> = [];
  const failing: string[] = [];
  const statuses = new Set<string>();
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
          const body = (await res.json()) as {
            status?: string;
            checks?: Record<string, boolean>;
          };
          if (body.status) statuses.add(body.status);
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
    sawStatus: (status) => statuses.has(status),
    firstAfter(t, ready) {
      return changes.find((c) => c.at >= t && c.ready === ready)?.at ?? null;
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}
