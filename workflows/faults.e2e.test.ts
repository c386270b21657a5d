import { TEST_STAN, eventually } from '../test/support/env';
import { nameId } from '../contracts/ids';
import { connectTemporal } from '../platform/temporal/connection';
import { estimateState } from './estimation/messages';
import { flows } from '../test/support/flows';
import type { RoleProcess } from '../test/support/processes';
import { startTestSmtp, type ReceivedMail, type TestSmtp } from '../test/support/smtp';
import { startTcpProxy, type TcpProxy } from '../test/support/tcpProxy';
import {
  EVERYTHING_BUT_THE_WORKER,
  startTestSystem,
  type Api,
  type TestSystem,
} from '../test/support/system';
import { workflowIds } from './ids';

jest.setTimeout(120_000);

const TEMPORAL_ADDRESS = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';

let sys: TestSystem;
let proxy: TcpProxy;
let temporalProxy: TcpProxy;
let smtp: TestSmtp;
/** Called as the mail server receives an invoice email, before it answers the worker. */
let onInvoiceMail: ((mail: ReceivedMail) => void) | null = null;
let worker: RoleProcess;
const startWorker = async () => {
  // The worker reaches the log and Temporal only through proxies this test can cut.
  worker = await sys.start(['workflow-worker'], {
    STAN_URL: proxy.url,
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalProxy.port}`,
    SMTP_URL: smtp.url,
  });
  await worker.waitReady();
};

const isInvoiceMail = (m: ReceivedMail) => /Subject: Invoice for/.test(m.raw);
/** The invoice emails a client got: one per invoice, whatever happened to the worker. */
const invoiceMails = (email: string) =>
  smtp.received.filter((m) => m.to.includes(email) && isInvoiceMail(m));

beforeAll(async () => {
  proxy = await startTcpProxy(Number(new URL(TEST_STAN.url).port));
  temporalProxy = await startTcpProxy(Number(TEMPORAL_ADDRESS.split(':').pop()), 'grpc');
  smtp = await startTestSmtp(0, (m) => {
    if (isInvoiceMail(m)) onInvoiceMail?.(m);
    return false;
  });
  sys = await startTestSystem();
  const rest = await sys.start(EVERYTHING_BUT_THE_WORKER);
  await rest.waitReady(60_000);
  await startWorker();
});
afterAll(async () => {
  await sys?.stop();
  await proxy?.close();
  await temporalProxy?.close();
  await smtp?.close();
});

const testTemporal = () =>
  connectTemporal({
    address: TEMPORAL_ADDRESS,
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'devpie-test',
    taskQueue: sys.env.TEMPORAL_TASK_QUEUE!,
  });

/** Each event of an estimate, as its view's history tells it: exactly once each. */
const eventTypes = async (
  owner: { call(method: string, path: string): ReturnType<Api['call']> },
  eid: string,
): Promise<string[]> =>
  (await owner.call('GET', `/estimates/${eid}`)).body.history.map((h: any) => h.type);

describe('processes under faults', () => {
  it('finishes a workflow whose worker was killed in the middle of it', async () => {
    const f = flows(sys);
    const [owner, client] = [await f.person('dev'), await f.person('client')];
    const pid = await f.project(owner);
    const eid = await f.sentEstimate(owner, client, pid);
    // The middle of the workflow: sent, and waiting for the client's decision.
    const { client: temporal, connection } = await testTemporal();
    const handle = temporal.workflow.getHandle(workflowIds.estimateApproval(eid));
    try {
      await eventually(
        async () => (await handle.query(estimateState)) === 'sent',
        10_000,
        'the workflow to wait',
      );
      await worker.kill('SIGKILL');
      // Decided while no worker runs: the update waits in Temporal for one.
      const approving = client.call('POST', `/estimates/${eid}/approve`);
      await new Promise((r) => setTimeout(r, 1000));
      await startWorker();
      expect([200, 202]).toContain((await approving).status);
      await f.untilStatus(owner, `/estimates/${eid}`, 'approved');
      const invoice = await f.invoiceOf(owner, pid, eid);
      expect((await owner.call('GET', `/projects/${pid}/invoices`)).body).toHaveLength(1);
      await owner.call('POST', `/invoices/${invoice.id}/payments`, {
        amount: invoice.amount,
        reference: 'transfer',
      });
      await f.untilStatus(owner, `/invoices/${invoice.id}`, 'paid');
      expect(await eventTypes(owner, eid)).toEqual([
        'EstimateDrafted',
        'EstimateItemAdded',
        'EstimateSent',
        'EstimateApproved',
      ]);
      // The step that approved mailed the client last: once the run is over, every email is in.
      expect(await handle.result()).toBe('approved');
      expect(invoiceMails(client.email)).toHaveLength(1);
    } finally {
      await connection.close();
    }
  });

  it('finishes a step whose worker was killed while it ran', async () => {
    const f = flows(sys);
    const [owner, client] = [await f.person('dev'), await f.person('client')];
    const pid = await f.project(owner);
    const eid = await f.sentEstimate(owner, client, pid);
    // The approval's step is a local activity: held up on the log, it is still running in the
    // worker's workflow task when the worker dies. The task times out on the server and the new
    // worker runs the step again, with the same command ids.
    const { client: temporal, connection } = await testTemporal();
    const handle = temporal.workflow.getHandle(workflowIds.estimateApproval(eid));
    try {
      await proxy.cut();
      const approving = client.call('POST', `/estimates/${eid}/approve`);
      // The worker holds the task that runs the step (started, not completed) before it dies.
      const STARTED = 2; // PENDING_WORKFLOW_TASK_STATE_STARTED
      await eventually(
        // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-comparison -- the enum is @temporalio/proto's, which is not one of our dependencies to import
        async () => (await handle.describe()).raw.pendingWorkflowTask?.state === STARTED,
        10_000,
        'the step to run',
      );
      await new Promise((r) => setTimeout(r, 300));
      await worker.kill('SIGKILL');
      await proxy.restore();
      await startWorker();
      expect([200, 202]).toContain((await approving).status);
      await f.untilStatus(owner, `/estimates/${eid}`, 'approved', 40_000);
      await f.invoiceOf(owner, pid, eid);
      expect((await owner.call('GET', `/projects/${pid}/invoices`)).body).toHaveLength(1);
      expect(await eventTypes(owner, eid)).toEqual([
        'EstimateDrafted',
        'EstimateItemAdded',
        'EstimateSent',
        'EstimateApproved',
      ]);
      // The kill did land inside the task that ran the step.
      const history = await handle.fetchHistory();
      expect(history.events?.some((e) => e.workflowTaskTimedOutEventAttributes)).toBe(true);
      // The step's run that finished (it ends the approval) sent the one email.
      expect(await handle.result()).toBe('approved');
      expect(invoiceMails(client.email)).toHaveLength(1);
    } finally {
      await connection.close();
    }
  });

  it('emails an invoice once when the worker dies after the email went out, before Temporal kept the step', async () => {
    const f = flows(sys);
    const [owner, client] = [await f.person('dev'), await f.person('client')];
    const pid = await f.project(owner);
    const eid = await f.sentEstimate(owner, client, pid);
    const { client: temporal, connection } = await testTemporal();
    const handle = temporal.workflow.getHandle(workflowIds.estimateApproval(eid));
    // In a box: TypeScript cannot see the mail hook assign it.
    const cut: { done: Promise<void> | null } = { done: null };
    try {
      await eventually(
        async () => (await handle.query(estimateState)) === 'sent',
        10_000,
        'the workflow to wait',
      );
      // The step mails the client last. As the mail server takes the email, the worker loses
      // Temporal: it records the email in its ledger, but cannot report the step done.
      const mailed = new Promise<void>((resolve) => {
        onInvoiceMail = (m) => {
          if (!m.to.includes(client.email)) return;
          onInvoiceMail = null;
          // Its connections are cut at once, before the server's answer leaves.
          cut.done = temporalProxy.cut();
          resolve();
        };
      });
      const approving = client.call('POST', `/estimates/${eid}/approve`);
      await mailed;
      const invoiceId = nameId('invoice', eid);
      await eventually(
        async () =>
          (
            await sys.db.pool.query(
              "SELECT 1 FROM platform.effects WHERE scope = 'process-mail' AND effect_id = $1 AND done_at IS NOT NULL",
              [`invoice-issued/${invoiceId}`],
            )
          ).rowCount === 1,
        10_000,
        'the email to be recorded',
      );
      await worker.kill('SIGKILL');
      await cut.done;
      cut.done = null;
      await temporalProxy.restore();
      await startWorker();
      // The task times out on the server; the new worker runs the whole step again.
      expect(await handle.result()).toBe('approved');
      expect([200, 202]).toContain((await approving).status);
      const history = await handle.fetchHistory();
      expect(history.events?.some((e) => e.workflowTaskTimedOutEventAttributes)).toBe(true);
      expect((await owner.call('GET', `/projects/${pid}/invoices`)).body).toHaveLength(1);
      expect(invoiceMails(client.email)).toHaveLength(1);
    } finally {
      onInvoiceMail = null;
      // Left cut by a failure: the next test's worker needs Temporal.
      if (cut.done) await cut.done.then(() => temporalProxy.restore());
      await connection.close();
    }
  });

  it('retries an activity while the log is unreachable, and appends its event once', async () => {
    const f = flows(sys);
    const [owner, client] = [await f.person('dev'), await f.person('client')];
    const pid = await f.project(owner);
    const eid = await f.sentEstimate(owner, client, pid);
    await proxy.cut();
    const rejecting = client.call('POST', `/estimates/${eid}/reject`, { reason: 'Not now' });
    await new Promise((r) => setTimeout(r, 2500));
    expect((await owner.call('GET', `/estimates/${eid}`)).body.status).toBe('sent');
    await proxy.restore();
    const answer = await rejecting;
    expect([200, 202]).toContain(answer.status);
    await f.untilStatus(owner, `/estimates/${eid}`, 'rejected', 30_000);
    await eventually(
      async () => (await eventTypes(owner, eid)).includes('EstimateRejected'),
      10_000,
      'the rejection',
    );
    expect(await eventTypes(owner, eid)).toEqual([
      'EstimateDrafted',
      'EstimateItemAdded',
      'EstimateSent',
      'EstimateRejected',
    ]);
  });
});
