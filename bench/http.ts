import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { closedLoop } from './loop';
import { now, round, summarize, type Summary } from './util';

export interface Call {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  token: string;
  /** Absent for a GET. */
  body?: unknown;
}

export interface RequestRecord {
  traceId: string;
  t0: number;
  t1: number;
  status: number;
  pending: boolean;
  version: number | null;
}

export interface WorkloadResult {
  shape: 'spread' | 'hot';
  clients: number;
  requests: number;
  seconds: number;
  writesPerSec: number;
  latencyMs: Summary;
  ok: number;
  conflicts: number;
  conflictRate: number;
  pending: number;
  errors: number;
  statuses: Record<string, number>;
}

export function send(
  agent: Agent,
  port: number,
  call: Call,
  traceId: string,
): Promise<{ status: number; etag?: string; text: string }> {
  return new Promise((resolve) => {
    const payload = call.body === undefined ? '' : JSON.stringify(call.body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: call.method,
        path: call.path,
        agent,
        headers: {
          authorization: `Bearer ${call.token}`,
          ...(call.body === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          // The trace id travels into the command and its events: the stage analysis joins on it.
          traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            etag: res.headers.etag,
            text: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', (err) => resolve({ status: 0, text: err.message }));
      },
    );
    req.on('error', (err) => resolve({ status: 0, text: err.message }));
    req.end(payload);
  });
}

/**
 * Closed loop (`closedLoop`): `clients` callers, each sending its next request once the previous
 * is answered, until `durationMs` has passed or `maxRequests` were sent.
 */
export async function runWorkload(
  port: number,
  shape: 'spread' | 'hot',
  clients: number,
  durationMs: number,
  maxRequests: number,
  make: (i: number) => Call,
): Promise<{ result: WorkloadResult; records: RequestRecord[] }> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const records: RequestRecord[] = [];
  let failures = 0;
  const { seconds } = await closedLoop(
    // Connection failures mean the system is gone: stop rather than count a flood of them.
    { clients, durationMs, maxOps: maxRequests, stop: () => failures >= 20 },
    () => async (i) => {
      const call = make(i);
      const traceId = randomBytes(16).toString('hex');
      const t0 = now();
      const res = await send(agent, port, call, traceId);
      const t1 = now();
      const pending = res.status === 202 && res.text.includes('"pending"');
      const m = /^"(\d+)"$/.exec(res.etag ?? '');
      records.push({
        traceId,
        t0,
        t1,
        status: res.status,
        pending,
        version: m ? Number(m[1]) : null,
      });
      if (res.status === 0) failures++;
      if (res.status === 0 || res.status >= 500)
        process.stderr.write(
          `[bench] ${call.method} ${call.path} -> ${res.status} ${res.text.slice(0, 200)}\n`,
        );
    },
  );
  agent.destroy();

  const statuses: Record<string, number> = {};
  for (const r of records) {
    const k = r.pending ? '202-pending' : String(r.status);
    statuses[k] = (statuses[k] ?? 0) + 1;
  }
  const ok = records.filter((r) => r.status === 200 || r.status === 201).length;
  const conflicts = records.filter((r) => r.status === 409).length;
  const pending = records.filter((r) => r.pending).length;
  return {
    records,
    result: {
      shape,
      clients,
      requests: records.length,
      seconds: round(seconds, 3),
      writesPerSec: Math.round(ok / seconds),
      latencyMs: summarize(records.map((r) => r.t1 - r.t0)),
      ok,
      conflicts,
      conflictRate: records.length ? round(conflicts / records.length, 4) : 0,
      pending,
      errors: records.length - ok - conflicts - pending,
      statuses,
    },
  };
}

export const newTraceId = (): string => randomBytes(16).toString('hex');

/** `send`, with a successful answer read as JSON (null when it is not). */
export async function sendJson(
  agent: Agent,
  port: number,
  call: Call,
  traceId = newTraceId(),
): Promise<{ status: number; json: any; text: string }> {
  const res = await send(agent, port, call, traceId);
  let json: any = null;
  if (res.status >= 200 && res.status < 300 && res.text) {
    try {
      json = JSON.parse(res.text);
    } catch {
      /* left null */
    }
  }
  return { status: res.status, json, text: res.text };
}
