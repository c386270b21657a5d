/**
 * Workflows of the bench's own (bundled by bench/temporal.ts, run by a worker in the bench process
 * on a task queue of its own): what Temporal costs on this dev server without our product.
 *
 * * `benchEmpty`: start → one workflow task → complete. The bare start-to-complete figure.
 * * `benchAwaitUpdate`: takes one Update after another (each answered by its handler at once) until
 *   it is terminated: the Update round trip alone.
 * * `benchApprovalShape` (+ `benchInvoiceShape`): the same Temporal steps as the product's
 *   estimateApproval (workflows/estimation/estimateApproval.ts) with activities that do nothing:
 *   two activities, wait for an Update, two activities, start a child (which runs one activity)
 *   and complete. What the approval flow costs in Temporal alone.
 * * `benchApprovalShapeLocal`: the same with local activities (run by the worker that runs the
 *   workflow task, without a trip through the task queue): what that design would save.
 */
import {
  condition,
  defineUpdate,
  ParentClosePolicy,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
} from '@temporalio/workflow';

export interface BenchActivities {
  noop(step: string): Promise<string>;
}

const { noop } = proxyActivities<BenchActivities>({ startToCloseTimeout: '10 seconds' });
const local = proxyLocalActivities<BenchActivities>({ startToCloseTimeout: '10 seconds' });

export const benchGo = defineUpdate<string, [string]>('go');

export async function benchEmpty(): Promise<string> {
  return 'done';
}

export async function benchAwaitUpdate(): Promise<string> {
  let taken = 0;
  setHandler(benchGo, () => {
    taken++;
    return 'accepted';
  });
  await condition(() => taken < 0);
  return 'done';
}

export async function benchInvoiceShape(): Promise<string> {
  await noop('invoice-issued');
  return 'waiting';
}

async function approvalShape(
  id: string,
  step: (name: string) => Promise<string>,
  child: typeof benchInvoiceShape,
): Promise<string> {
  let decided = false;
  setHandler(benchGo, () => {
    decided = true;
    return 'accepted';
  });
  await step('record-sent');
  await step('notify');
  await condition(() => decided);
  await step('record-approved');
  await step('issue-invoice');
  await startChild(child, {
    workflowId: `${id}-invoice`,
    parentClosePolicy: ParentClosePolicy.ABANDON,
  });
  return 'approved';
}

export async function benchApprovalShape(id: string): Promise<string> {
  return approvalShape(id, noop, benchInvoiceShape);
}

export async function benchInvoiceShapeLocal(): Promise<string> {
  await local.noop('invoice-issued');
  return 'waiting';
}

export async function benchApprovalShapeLocal(id: string): Promise<string> {
  return approvalShape(id, local.noop, benchInvoiceShapeLocal);
}
