/** The report's targets: what each stage should reach, what it measured, and where the time went when missed. */
export interface Target {
  name: string;
  target: string;
  measured: string;
  met: boolean;
  whereTimeGoes?: string;
}

export const disturbedNote = (w: { disturbed: boolean }): string =>
  w.disturbed ? ', disturbed' : '';

/** The workload with the most accepted writes per second. */
export const fastest = <W extends { writesPerSec: number }>(ws: W[]): W | undefined =>
  ws.length ? ws.reduce((a, b) => (b.writesPerSec > a.writesPerSec ? b : a)) : undefined;
