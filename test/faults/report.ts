/** What one fault scenario did to the writes sent through it: the row of `npm run faults`. */
export interface FaultReport {
  fault: string;
  sent: number;
  acknowledged: number;
  found: number;
  lost: number;
  doubled: number;
  /** From the fault (or the end of it, for an outage) to the first write acknowledged after it. */
  recoverMs: number | null;
  /** Anything else the scenario measured, shown after the table. */
  notes: Record<string, string | number | boolean | null>;
}

const COLUMNS: Array<[keyof FaultReport, string]> = [
  ['fault', 'fault'],
  ['sent', 'writes sent'],
  ['acknowledged', 'acknowledged'],
  ['found', 'found afterwards'],
  ['lost', 'lost'],
  ['doubled', 'doubled'],
  ['recoverMs', 'time to recover'],
];

const cell = (r: FaultReport, key: keyof FaultReport): string => {
  if (key === 'recoverMs')
    return r.recoverMs === null ? '-' : `${(r.recoverMs / 1000).toFixed(2)} s`;
  const v = r[key];
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
};

/** A plain-text table, one row per scenario, then each scenario's notes. */
export function formatReports(reports: FaultReport[]): string {
  const rows = [COLUMNS.map(([, h]) => h), ...reports.map((r) => COLUMNS.map(([k]) => cell(r, k)))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const table = [line(rows[0] ?? []), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const row of rows.slice(1)) table.push(line(row));
  const notes = reports.map(
    (r) =>
      `${r.fault}: ${Object.entries(r.notes)
        .map(([k, v]) => `${k} ${String(v)}`)
        .join(', ')}`,
  );
  return `${table.join('\n')}\n\n${notes.join('\n')}\n`;
}
