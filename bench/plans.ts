import { Client } from 'pg';

export interface PlanEvidence {
  statement: string;
  usersInView: number;
  executionMs: number;
  /** Plan nodes, outermost first: how the statement found its rows. */
  nodes: string[];
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}

function flatten(node: PlanNode, out: string[]): void {
  const on = node['Relation Name'] ? ` on ${node['Relation Name']}` : '';
  const via = node['Index Name'] ? ` using ${node['Index Name']}` : '';
  out.push(
    `${node['Node Type']}${on}${via} (rows ${node['Actual Rows'] ?? '?'} x${node['Actual Loops'] ?? 1})`,
  );
  for (const child of node.Plans ?? []) flatten(child, out);
}

/**
 * Runs EXPLAIN ANALYZE of a statement the system really issued (captured by the probe) against
 * the run's own views, inside a transaction that is rolled back: what one such statement costs at
 * this view size, and why.
 */
export async function explain(
  databaseUrl: string,
  kind: string,
  example: { text: string; values: unknown[] },
): Promise<PlanEvidence> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows: count } = await client.query<{ n: string }>(
      'SELECT count(*) AS n FROM identity.users',
    );
    await client.query('BEGIN');
    const { rows } = await client.query<{
      'QUERY PLAN': Array<{ Plan: PlanNode; 'Execution Time': number }>;
    }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${example.text}`, example.values);
    await client.query('ROLLBACK');
    const plan = rows[0]!['QUERY PLAN'][0]!;
    const nodes: string[] = [];
    flatten(plan.Plan, nodes);
    return {
      statement: kind,
      usersInView: Number(count[0]!.n),
      executionMs: Math.round(plan['Execution Time'] * 1000) / 1000,
      nodes,
    };
  } finally {
    await client.end();
  }
}
