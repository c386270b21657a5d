import { writeFileSync } from 'node:fs';
import { nameId } from '../../../contracts/ids';
import { connectTemporal } from '../../../platform/temporal/connection';
import { workflowIds } from '../../../workflows/ids';
import { flows } from '../../support/flows';
import type { RoleProcess } from '../../support/processes';
import { startTestSmtp, type ReceivedMail } from '../../support/smtp';
import { startPrivateLog } from '../privateLog';
import { EVERYTHING_BUT_THE_WORKER, startTestSystem, type TestSystem } from '../../support/system';
import { startPrivateTemporal } from '../../support/temporalServer';
import type { FaultReport } from '../report';
import { countStatuses, type Attempt } from '../writeLoad';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface TemporalKilledResult extends FaultReport {
  /** Approval workflows that did not end `approved` within the bound (they must all). */
  undecided: string[];
  /** Invoice emails per invoice, for invoices that got other than exactly one. */
  emailsNotOne: Record<string, number>;
  /** Estimates with more than one invoice, or whose history records the approval twice. */
  recordedTwice: string[];
  /** The role processes that exited on their own (the worker killed on purpose aside). */
  exited: string[];
  /** Approvals first sent while Temporal was down, and after the worker was killed. */
  sentWhileTemporalDown: number;
  sentAfterWorkerKill: number;
  /** Approval runs whose history shows a workflow task that failed or timed out: a step run again. */
  runsWithATaskRunAgain: number;
}

/** The invoice an approval issues: the id is derived from the estimate's (activities do so). */
const invoiceIdOf = (estimateId: string) => nameId('invoice', estimateId);

/** An email's text with quoted-printable soft line breaks undone, so a link is in one piece. */
const textOf = (m: ReceivedMail) => m.raw.replace(/=\r?\n/g, '');

/**
 * Estimate approvals through the whole system (apps, dispatcher, a worker process of its own) on
 * servers of the scenario's own: a log server (of the run's log), a Temporal dev server with its own
 * SQLite file, a database, a mail server. Mid-load the Temporal server is killed (kill -9) and
 * started again on the same file `temporalDownMs` later; then the worker process is killed
 * (kill -9) and started again. Each approval is sent with an Idempotency-Key and retried under it
 * on a 5xx or a dropped connection. Afterwards every approval must end decided, with one invoice
 * and exactly one invoice email.
 */
export async function temporalKilled(
  o: { approvals?: number; clients?: number; temporalDownMs?: number; paceMs?: number } = {},
): Promise<TemporalKilledResult> {
  const total = o.approvals ?? 30;
  const temporalDownMs = o.temporalDownMs ?? 5_000;
  const log = await startPrivateLog('devpie-temporal-killed');
  const temporal = await startPrivateTemporal();
  const smtp = await startTestSmtp();
  let sys: TestSystem | null = null;
  const workers: RoleProcess[] = [];
  try {
    sys = await startTestSystem();
    const env = {
      ...log.env,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      SMTP_URL: smtp.url,
    };
    const rest = await sys.start(EVERYTHING_BUT_THE_WORKER, env);
    await rest.waitReady(90_000);
    const startWorker = async () => {
      const worker = await sys!.start(['workflow-worker'], env);
      workers.push(worker);
      await worker.waitReady(60_000);
      return worker;
    };
    await startWorker();

    const f = flows(sys);
    const owner = await f.person('owner');
    const client = await f.person('client');
    const pid = await f.project(owner);
    // Sent before the faults, a few at a time: the approvals are what the faults hit.
    const estimates: string[] = [];
    for (let i = 0; i < total; i += 5) {
      const batch = Array.from({ length: Math.min(5, total - i) }, () =>
        // Valid for long: an approval held up by the faults must still be awaited, not expired.
        f.sentEstimate(owner, client, pid, { expiresInMs: 30 * 60_000 }),
      );
      estimates.push(...(await Promise.all(batch)));
    }

    const attempts: Attempt[] = [];
    const acknowledged = new Set<string>();
    let next = 0;
    const approve = async (i: number) => {
      const eid = estimates[i]!;
      const giveUp = Date.now() + 90_000;
      while (Date.now() < giveUp) {
        const at = Date.now();
        let status = 0;
        let retryAfter: string | null = null;
        try {
          const res = await sys!.api(rest.port).call('POST', `/estimates/${eid}/approve`, {
            token: client.token,
            headers: { 'Idempotency-Key': `approve-${eid}` },
          });
          status = res.status;
          retryAfter = res.headers.get('retry-after');
        } catch {
          status = 0;
        }
        attempts.push({ write: i, at, ms: Date.now() - at, status, retryAfter });
        if (status === 200 || status === 202) return void acknowledged.add(eid);
        if (status >= 400 && status < 500 && status !== 429) return;
        await sleep(retryAfter ? Math.min(1000, Number(retryAfter) * 1000) : 200);
      }
    };
    const loadStarted = Date.now();
    const load = Promise.all(
      Array.from({ length: o.clients ?? 3 }, async () => {
        for (let i = next++; i < total; i = next++) {
          await approve(i);
          await sleep(o.paceMs ?? 600);
        }
      }),
    );
    let temporalKilledAt = 0;
    let temporalBackAt = 0;
    let workerKilledAt = 0;
    let workerBackAt = 0;
    const faults = (async () => {
      await sleep(1_500);
      temporalKilledAt = Date.now();
      await temporal.kill();
      await sleep(temporalDownMs);
      await temporal.start();
      temporalBackAt = Date.now();
      // Now the worker, while the approvals held up by the outage go through it.
      await sleep(1_500);
      workerKilledAt = Date.now();
      await workers[0]!.kill('SIGKILL');
      await startWorker();
      workerBackAt = Date.now();
    })();
    await Promise.all([load, faults]);
    const loadEnded = Date.now();

    // Every approval's process, as Temporal tells it: decided, and its steps all done.
    const { client: temporalClient, connection } = await connectTemporal({
      address: temporal.address,
      namespace: temporal.namespace,
      taskQueue: sys.env.TEMPORAL_TASK_QUEUE!,
    });
    const results = new Map<string, string>();
    let runsWithATaskRunAgain = 0;
    let allDecidedAt: number | null = null;
    try {
      await Promise.all(
        [...acknowledged].map(async (eid) => {
          const handle = temporalClient.workflow.getHandle(workflowIds.estimateApproval(eid));
          let timer: NodeJS.Timeout | undefined;
          const result = await Promise.race([
            handle.result().then(String, (err: unknown) => `failed: ${String(err)}`),
            new Promise<string>((r) => {
              timer = setTimeout(() => r('not decided within 120 s'), 120_000);
            }),
          ]).finally(() => clearTimeout(timer));
          results.set(eid, result);
          const history = await handle.fetchHistory();
          if (
            history.events?.some(
              (e) => e.workflowTaskTimedOutEventAttributes ?? e.workflowTaskFailedEventAttributes,
            )
          )
            runsWithATaskRunAgain++;
        }),
      );
      allDecidedAt = Date.now();
    } finally {
      await connection.close();
    }
    const undecided = [...acknowledged].filter((eid) => results.get(eid) !== 'approved');

    // What the views and the mailbox hold, once every process has ended.
    const invoices = (await owner.call('GET', `/projects/${pid}/invoices`)).body as Array<{
      id: string;
      estimateId: string;
    }>;
    const invoicesPer = new Map<string, number>();
    for (const inv of invoices)
      invoicesPer.set(inv.estimateId, (invoicesPer.get(inv.estimateId) ?? 0) + 1);
    const mails = smtp.received.filter(
      (m) => m.to.includes(client.email) && /Subject: Invoice for/.test(m.raw),
    );
    const emailsPer = new Map<string, number>();
    for (const eid of estimates) {
      const iid = invoiceIdOf(eid);
      emailsPer.set(iid, mails.filter((m) => textOf(m).includes(`/invoices/${iid}`)).length);
    }
    const recordedTwice: string[] = [];
    const approvedAt: number[] = [];
    let found = 0;
    for (const eid of estimates) {
      const view = (await owner.call('GET', `/estimates/${eid}`)).body as {
        status: string;
        history: Array<{ type: string; at: string }>;
      };
      const approvals = view.history.filter((h) => h.type === 'EstimateApproved');
      for (const h of approvals) approvedAt.push(Date.parse(h.at));
      if (approvals.length > 1 || (invoicesPer.get(eid) ?? 0) > 1) recordedTwice.push(eid);
      if (view.status === 'approved' && invoicesPer.get(eid) === 1) found++;
    }
    // One email per invoice: none is wanted only for an approval never acknowledged.
    const emailsNotOne = Object.fromEntries(
      estimates
        .map((eid) => [invoiceIdOf(eid), emailsPer.get(invoiceIdOf(eid)) ?? 0, eid] as const)
        .filter(([, n, eid]) => n > 1 || (n === 0 && acknowledged.has(eid)))
        .map(([iid, n]) => [iid, n]),
    );
    // Lost: acknowledged, and not approved with its one invoice and its one email.
    const lost = [...acknowledged].filter(
      (eid) =>
        results.get(eid) !== 'approved' ||
        invoicesPer.get(eid) !== 1 ||
        emailsPer.get(invoiceIdOf(eid)) === 0,
    ).length;
    const doubled = new Set([
      ...recordedTwice,
      ...estimates.filter((eid) => (emailsPer.get(invoiceIdOf(eid)) ?? 0) > 1),
    ]).size;

    // Recovered: the first approval the estimation component decided after Temporal was back
    // (an answer is no sign of it: a request waits WRITE_WAIT_MS, then answers 202 regardless).
    const firstDecidedAfter = (t: number) => {
      const after = approvedAt.filter((at) => at >= t);
      return after.length ? Math.min(...after) : null;
    };
    const recovered = firstDecidedAfter(temporalBackAt);
    const afterWorker = firstDecidedAfter(workerKilledAt);
    const exited = sys.processes
      .filter((p) => p !== workers[0])
      .filter((p) => p.child.exitCode !== null)
      .map((p) => `port ${p.port} (${p.child.exitCode}): ${p.output().slice(-1_500)}`);
    if (process.env.FAULTS_LOG)
      writeFileSync(
        process.env.FAULTS_LOG,
        [
          ...sys.processes.map((p, i) => `--- process ${i + 1}\n${p.output()}`),
          `--- temporal\n${temporal.output()}`,
        ].join('\n'),
      );
    const statuses = countStatuses(attempts);
    const firstSent = new Map<number, number>();
    for (const a of attempts)
      firstSent.set(a.write, Math.min(a.at, firstSent.get(a.write) ?? a.at));
    const sentBetween = (from: number, to: number) =>
      [...firstSent.values()].filter((t) => t >= from && t < to).length;
    const result: TemporalKilledResult = {
      fault: 'Temporal server and worker killed',
      sent: total,
      acknowledged: acknowledged.size,
      found,
      lost,
      doubled,
      recoverMs: recovered === null ? null : recovered - temporalBackAt,
      undecided: undecided.map((eid) => `${eid}: ${results.get(eid) ?? 'unknown'}`),
      emailsNotOne,
      recordedTwice,
      exited,
      sentWhileTemporalDown: sentBetween(temporalKilledAt, temporalBackAt),
      sentAfterWorkerKill: sentBetween(workerKilledAt, Infinity),
      runsWithATaskRunAgain,
      notes: {},
    };
    result.notes = {
      'Temporal down (ms)': temporalBackAt - temporalKilledAt,
      'worker down (ms)': workerBackAt - workerKilledAt,
      'first approval decided after the worker kill (ms)':
        afterWorker === null ? null : afterWorker - workerKilledAt,
      'every process decided after the Temporal restart (ms)':
        allDecidedAt === null ? null : allDecidedAt - temporalBackAt,
      'load (ms)': loadEnded - loadStarted,
      'approvals sent while Temporal was down': result.sentWhileTemporalDown,
      'approvals sent after the worker kill': result.sentAfterWorkerKill,
      'runs with a workflow task run again': runsWithATaskRunAgain,
      'invoice emails': mails.length,
      invoices: invoices.length,
      'slowest approve answer (ms)': Math.max(0, ...attempts.map((a) => a.ms)),
      answers: JSON.stringify(statuses),
      'processes exited': exited.length,
    };
    return result;
  } finally {
    await sys?.stop();
    await temporal.remove();
    await log.remove();
    await smtp.close();
  }
}
