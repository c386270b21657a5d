// npm run record-histories: drives every path of the estimate and payment processes through the
// real system (its own test database, channels and Temporal namespace), then writes each finished
// workflow's history to workflows/__fixtures__/, where the replay test checks that today's
// workflow code would make exactly the same decisions.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { connectTemporal } from '../platform/temporal/connection';
import { repoPath } from '../platform/paths';
import { validate } from '../platform/validation';
import { eventually } from '../test/support/env';
import { flows } from '../test/support/flows';
import { refusingReceipts, startTestSmtp } from '../test/support/smtp';
import { startTestSystem, type TestSystem } from '../test/support/system';
import { workflowIds } from '../workflows/ids';

const out = repoPath('workflows', '__fixtures__');
const temporal = {
  address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
  namespace: process.env.TEMPORAL_NAMESPACE ?? 'devpie-test',
  taskQueue: 'devpie',
};

// What the paths read of the API's answers, checked: an answer that changed shape stops the
// script saying which, not with a TypeError further on.
const Invoice = Type.Object({ id: Type.String(), amount: Type.Number() });
const Checkout = Type.Object({ paymentIntentId: Type.String() });
const WithHistory = Type.Object({ history: Type.Array(Type.Object({ type: Type.String() })) });
const WithUnmatched = Type.Object({ unmatchedPayments: Type.Array(Type.Unknown()) });

function read<S extends TSchema>(schema: S, value: unknown, what: string): Static<S> {
  const checked = validate(schema, value, what);
  if (!checked.ok) throw new Error(`unexpected answer: ${checked.error}`);
  return checked.value;
}

type Flows = ReturnType<typeof flows>;

/** `flows`' approvedInvoice, with the invoice it found (untyped there) checked. */
async function approvedInvoice(f: Flows, ...args: Parameters<Flows['approvedInvoice']>) {
  const approved = await f.approvedInvoice(...args);
  return { estimateId: approved.estimateId, invoice: read(Invoice, approved.invoice, 'invoice') };
}

async function save(name: string, workflowId: string): Promise<void> {
  const { client, connection } = await connectTemporal(temporal);
  try {
    const handle = client.workflow.getHandle(workflowId);
    // Some are started by the dispatcher after the call that asked for them answered.
    await eventually(
      () =>
        handle.describe().then(
          () => true,
          () => false,
        ),
      20_000,
      `the workflow ${workflowId}`,
    );
    await handle.result();
    writeFileSync(join(out, `${name}.json`), `${historyToJSON(await handle.fetchHistory())}\n`);
    process.stdout.write(`recorded ${name} (${workflowId})\n`);
  } finally {
    await connection.close();
  }
}

async function estimatePaths(sys: TestSystem): Promise<void> {
  const f = flows(sys);
  const [owner, client] = [await f.person('dev'), await f.person('client')];
  const pid = await f.project(owner);

  const { estimateId: approved, invoice: deposit } = await approvedInvoice(f, owner, client, pid, {
    depositPercent: 40,
  });
  await owner.call('POST', `/invoices/${deposit.id}/payments`, {
    amount: 10000,
    reference: 'first transfer',
  });
  await owner.call('POST', `/invoices/${deposit.id}/payments`, {
    amount: deposit.amount - 10000,
    reference: 'second transfer',
  });
  await save('estimate-approved', workflowIds.estimateApproval(approved));
  await save('invoice-paid-manually', workflowIds.invoicePayment(deposit.id));

  const rejected = await f.sentEstimate(owner, client, pid);
  await client.call('POST', `/estimates/${rejected}/reject`, { reason: 'Over budget' });
  await save('estimate-rejected', workflowIds.estimateApproval(rejected));

  const withdrawn = await f.sentEstimate(owner, client, pid);
  await owner.call('POST', `/estimates/${withdrawn}/withdraw`);
  await save('estimate-withdrawn', workflowIds.estimateApproval(withdrawn));

  const expired = await f.sentEstimate(owner, client, pid, {
    expiresInMs: 2000,
    reminderBeforeMs: 1000,
  });
  await save('estimate-expired', workflowIds.estimateApproval(expired));

  const { invoice: online } = await approvedInvoice(f, owner, client, pid);
  const checkout = await client.call('POST', `/invoices/${online.id}/checkout`);
  const { paymentIntentId } = read(Checkout, checkout.body, 'checkout');
  await f.providerPaid(online.id, paymentIntentId, online.amount);
  await save('invoice-paid-by-provider', workflowIds.invoicePayment(online.id));

  const refusing = await f.person('noreceipt');
  const { invoice: refundable } = await approvedInvoice(f, owner, refusing, pid);
  const intent = await refusing.call('POST', `/invoices/${refundable.id}/checkout`);
  const refundedIntentId = read(Checkout, intent.body, 'checkout').paymentIntentId;
  await f.providerPaid(refundable.id, refundedIntentId, refundable.amount);
  await eventually(
    async () =>
      read(
        WithHistory,
        (await owner.call('GET', `/invoices/${refundable.id}`)).body,
        'invoice',
      ).history.some((h) => h.type === 'PaymentRefunded'),
    30_000,
    'the refund',
  );
  // Refunded and open again: a bank transfer settles it, and the process ends.
  await owner.call('POST', `/invoices/${refundable.id}/payments`, {
    amount: refundable.amount,
    reference: 'transfer after refund',
  });
  await save('invoice-compensated', workflowIds.invoicePayment(refundable.id));

  const { invoice: toCancel } = await approvedInvoice(f, owner, client, pid);
  await owner.call('POST', `/invoices/${toCancel.id}/cancel`, {
    reason: 'Agreed to skip the deposit',
  });
  await save('invoice-cancelled', workflowIds.invoicePayment(toCancel.id));
}

async function overduePath(sys: TestSystem): Promise<void> {
  const f = flows(sys);
  const [owner, client] = [await f.person('dev'), await f.person('client')];
  const pid = await f.project(owner);
  const { invoice } = await approvedInvoice(f, owner, client, pid);
  await f.untilStatus(owner, `/invoices/${invoice.id}`, 'overdue');
  await owner.call('POST', `/invoices/${invoice.id}/payments`, {
    amount: invoice.amount,
    reference: 'late transfer',
  });
  await save('invoice-overdue-then-paid', workflowIds.invoicePayment(invoice.id));
}

/** Provider payments that do not fit (100 times the amount, another currency), one that does, and one after the end. */
async function unmatchedPath(sys: TestSystem): Promise<void> {
  const f = flows(sys);
  const [owner, client] = [await f.person('dev'), await f.person('client')];
  const pid = await f.project(owner);
  const { invoice } = await approvedInvoice(f, owner, client, pid);
  const unmatched = (n: number) =>
    eventually(
      async () =>
        read(WithUnmatched, (await owner.call('GET', `/invoices/${invoice.id}`)).body, 'invoice')
          .unmatchedPayments.length === n,
      20_000,
      `${n} unmatched payments`,
    );
  const checkout = async () =>
    read(Checkout, (await client.call('POST', `/invoices/${invoice.id}/checkout`)).body, 'checkout')
      .paymentIntentId;
  await f.providerPaid(invoice.id, await checkout(), invoice.amount * 100);
  await unmatched(1);
  await f.providerPaid(invoice.id, await checkout(), invoice.amount, 'jpy');
  await unmatched(2);
  const [paying, spare] = [await checkout(), await checkout()];
  await f.providerPaid(invoice.id, paying, invoice.amount);
  await save('invoice-unmatched-then-paid', workflowIds.invoicePayment(invoice.id));
  // The spare checkout paid too, after the process ended.
  await f.providerPaid(invoice.id, spare, invoice.amount);
  await save('invoice-paid-late', workflowIds.latePayment(invoice.id, spare));
}

const groups = {
  estimates: [{ INVOICE_DUE_IN_MS: '600000' }, estimatePaths],
  overdue: [{ INVOICE_DUE_IN_MS: '1500', INVOICE_REMINDER_EVERY_MS: '600000' }, overduePath],
  unmatched: [{ INVOICE_DUE_IN_MS: '600000' }, unmatchedPath],
} as const;

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  // `npm run record-histories -- unmatched` records only the groups named; no name: all of them.
  const names = process.argv.slice(2);
  const unknown = names.filter((n) => !(n in groups));
  if (unknown.length)
    throw new Error(
      `no such group: ${unknown.join(', ')} (groups: ${Object.keys(groups).join(', ')})`,
    );
  const chosen = names.length
    ? names.map((n) => groups[n as keyof typeof groups])
    : Object.values(groups);
  const smtp = await startTestSmtp(0, refusingReceipts);
  for (const [env, paths] of chosen) {
    const sys = await startTestSystem();
    try {
      await (await sys.start(['all'], { SMTP_URL: smtp.url, ...env })).waitReady(60_000);
      await paths(sys);
    } finally {
      await sys.stop();
    }
  }
  await smtp.close();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
