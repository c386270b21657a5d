import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, type WorkflowHandle } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowNotFoundError } from '@temporalio/common';
import { nameId } from '../../contracts/ids';
import { eventually } from '../../test/support/env';
import { inMs, refusal, workflowSuite, type WorkflowSuite } from '../../test/support/workflowSuite';
import type { estimateApproval } from './estimateApproval';
import {
  decideEstimate,
  estimateState,
  type EstimateApprovalInput,
  type EstimateDecision,
} from './messages';
import { workflowIds } from '../ids';

jest.setTimeout(60_000);

/*
 * The estimate approval workflow on the dev server, with its activities replaced by doubles: every
 * path, with the expiry and the reminder seconds away (they are inputs), and what the workflow
 * asked of the world, answered and refused.
 */

let suite: WorkflowSuite;
beforeAll(async () => {
  suite = await workflowSuite('estimate-approval');
});
afterAll(async () => {
  await suite?.close();
});

const CLIENT = 'client@example.com';
const SENDER = 'auth0|dev';

const inputFor = (over: Partial<EstimateApprovalInput> = {}): EstimateApprovalInput => ({
  estimateId: randomUUID(),
  projectId: randomUUID(),
  // The client's address as the sender typed it: a decision from the same address in other case counts.
  clientEmail: 'Client@Example.com',
  sentBy: SENDER,
  sendCommandId: randomUUID(),
  expiresAt: inMs(60_000),
  reminderAt: null,
  invoice: { dueInMs: 30_000, reminderEveryMs: 10_000 },
  title: 'Shop',
  terms: { currency: 'EUR', total: 123_456, depositPercent: 50, draftVersion: 4 },
  ...over,
});

const decision = (
  d: Pick<EstimateDecision, 'decision'> & Partial<EstimateDecision>,
): EstimateDecision => ({
  by: 'auth0|client',
  email: CLIENT,
  commandId: randomUUID(),
  at: new Date().toISOString(),
  ...d,
});

async function start(over: Partial<EstimateApprovalInput> = {}, taskQueue = suite.taskQueue) {
  const input = inputFor(over);
  const workflowId = workflowIds.estimateApproval(input.estimateId);
  const handle = await suite.env.client.workflow.start<typeof estimateApproval>(
    'estimateApproval',
    { taskQueue, workflowId, args: [input] },
  );
  return { input, workflowId, handle };
}

const sent = (handle: WorkflowHandle) =>
  eventually(
    async () => (await handle.query(estimateState)) === 'sent',
    10_000,
    'the estimate to be sent',
  );

const sentRecord = (input: EstimateApprovalInput) => ({
  streamId: `estimate-${input.estimateId}`,
  type: 'RecordEstimateSent',
  data: { clientEmail: input.clientEmail, expiresAt: input.expiresAt, sentBy: SENDER },
  userId: SENDER,
  commandId: input.sendCommandId,
  ...(input.terms ? { expectedVersion: input.terms.draftVersion } : {}),
});
const notice = (input: EstimateApprovalInput, template: 'estimate-sent' | 'estimate-reminder') => ({
  template,
  to: input.clientEmail,
  params: { title: 'Shop', estimateId: input.estimateId, expiresAt: input.expiresAt },
});

describe('estimate approval', () => {
  it('approved: the send recorded and the client emailed in one step, then the approval and its invoice in one', async () => {
    const { input, workflowId, handle } = await start({ reminderAt: inMs(60_000) });
    await sent(handle);
    const d = decision({ decision: 'approve' });
    expect(await handle.executeUpdate(decideEstimate, { args: [d] })).toBe('accepted');
    expect(await handle.result()).toBe('approved');
    expect(await handle.query(estimateState)).toBe('approved');

    const calls = suite.doubles.calls(workflowId);
    expect(calls.map((c) => [c.name, c.local])).toEqual([
      ['recordThenNotify', true],
      ['approveAndInvoice', true],
    ]);
    expect(calls[0]!.args).toEqual([sentRecord(input), notice(input, 'estimate-sent')]);
    expect(calls[1]!.args).toEqual([
      {
        approval: {
          streamId: workflowId,
          type: 'RecordEstimateApproved',
          data: { by: 'auth0|client' },
          userId: 'auth0|client',
          commandId: d.commandId,
        },
        // The due date counts from the decision's own time, the same on every retry of the step;
        // the amount from the terms the run was started with.
        invoice: {
          estimateId: input.estimateId,
          approvedAt: d.at,
          approvedBy: 'auth0|client',
          sentBy: SENDER,
          dueInMs: 30_000,
          reminderEveryMs: 10_000,
          terms: {
            projectId: input.projectId,
            clientEmail: input.clientEmail,
            currency: 'EUR',
            total: 123_456,
            depositPercent: 50,
          },
        },
      },
    ]);
    // Recorded under the ids of the requests waiting for them.
    expect(suite.doubles.commands(workflowId)).toEqual([
      ['RecordEstimateSent', input.sendCommandId],
      ['RecordEstimateApproved', d.commandId],
    ]);
  });

  it('a run started without terms (before they were carried) records its send unchecked and leaves the invoice to the step', async () => {
    const { input, workflowId, handle } = await start({ terms: undefined });
    await sent(handle);
    expect(
      await handle.executeUpdate(decideEstimate, { args: [decision({ decision: 'approve' })] }),
    ).toBe('accepted');
    expect(await handle.result()).toBe('approved');
    const [send, approve] = suite.doubles.calls(workflowId);
    expect(send!.args[0]).toEqual(sentRecord({ ...input, terms: undefined }));
    expect(send!.args[0]).not.toHaveProperty('expectedVersion');
    expect((approve!.args[0] as { invoice: object }).invoice).not.toHaveProperty('terms');
  });

  it('an approval the component refuses ends the run refused', async () => {
    const { workflowId, handle } = await start();
    suite.doubles.script(workflowId, {
      approveAndInvoice: async () => ({
        approved: { status: 'rejected', code: 'conflict', reason: 'not sent' },
        invoice: null,
      }),
    });
    expect(
      await handle.executeUpdate(decideEstimate, { args: [decision({ decision: 'approve' })] }),
    ).toBe('accepted');
    expect(await handle.result()).toBe('refused');
  });

  it('rejected, after refusing a decision from another address and a rejection without a reason', async () => {
    const { input, workflowId, handle } = await start();
    await sent(handle);
    expect(
      await refusal(
        handle.executeUpdate(decideEstimate, {
          args: [decision({ decision: 'approve', email: 'mallory@example.com' })],
        }),
      ),
    ).toEqual({
      type: 'forbidden',
      message: 'only the client the estimate was sent to may decide',
    });
    expect(
      await refusal(
        handle.executeUpdate(decideEstimate, { args: [decision({ decision: 'reject' })] }),
      ),
    ).toEqual({
      type: 'invalid',
      message: 'a rejection needs a reason',
    });
    // Refusals leave the estimate waiting, and ask nothing of the world.
    expect(await handle.query(estimateState)).toBe('sent');
    expect(suite.doubles.calls(workflowId).map((c) => c.name)).toEqual(['recordThenNotify']);

    const d = decision({ decision: 'reject', reason: 'Too expensive' });
    expect(await handle.executeUpdate(decideEstimate, { args: [d] })).toBe('accepted');
    expect(await handle.result()).toBe('rejected');
    expect(suite.doubles.calls(workflowId).map((c) => [c.name, c.args])).toEqual([
      ['recordThenNotify', [sentRecord(input), notice(input, 'estimate-sent')]],
      [
        'record',
        [
          {
            streamId: workflowId,
            type: 'RecordEstimateRejected',
            data: { by: 'auth0|client', reason: 'Too expensive' },
            userId: 'auth0|client',
            commandId: d.commandId,
          },
        ],
      ],
    ]);
  });

  it('expired, with the reminder before: both at the times in the input, under ids named after the workflow and the step', async () => {
    const { input, workflowId, handle } = await start({
      reminderAt: inMs(700),
      expiresAt: inMs(1500),
    });
    // The log is unreachable for the expiry's first attempt: the retry sends the same command.
    suite.doubles.script(workflowId, {
      record: async () => {
        if (suite.doubles.calls(workflowId, 'record').length === 1)
          throw new Error('the log is unreachable');
        return { status: 'accepted', version: 3 };
      },
    });
    expect(await handle.result()).toBe('expired');
    expect(await handle.query(estimateState)).toBe('expired');

    const calls = suite.doubles.calls(workflowId);
    expect(calls.map((c) => [c.name, c.attempt])).toEqual([
      ['recordThenNotify', 1],
      ['recordThenNotify', 1],
      ['record', 1],
      ['record', 2],
    ]);
    expect(calls[1]!.args).toEqual([
      {
        streamId: workflowId,
        type: 'RecordEstimateReminder',
        data: { clientEmail: input.clientEmail },
        userId: null,
        step: 'reminder',
      },
      notice(input, 'estimate-reminder'),
    ]);
    expect(calls[2]!.args).toEqual([
      {
        streamId: workflowId,
        type: 'RecordEstimateExpired',
        data: {},
        userId: null,
        step: 'expired',
      },
    ]);
    expect(calls[1]!.at).toBeGreaterThanOrEqual(Date.parse(input.reminderAt!));
    expect(calls[2]!.at).toBeGreaterThanOrEqual(Date.parse(input.expiresAt));
    expect(suite.doubles.commands(workflowId)).toEqual([
      ['RecordEstimateSent', input.sendCommandId],
      ['RecordEstimateReminder', nameId('workflow', workflowId, 'reminder')],
      ['RecordEstimateExpired', nameId('workflow', workflowId, 'expired')],
      ['RecordEstimateExpired', nameId('workflow', workflowId, 'expired')],
    ]);
  });

  it('withdrawn by the sender, who needs no client address', async () => {
    const { workflowId, handle } = await start();
    await sent(handle);
    const d = decision({ decision: 'withdraw', by: SENDER, email: null });
    expect(await handle.executeUpdate(decideEstimate, { args: [d] })).toBe('accepted');
    expect(await handle.result()).toBe('withdrawn');
    expect(suite.doubles.calls(workflowId).map((c) => [c.name, c.args[0]])).toEqual([
      ['recordThenNotify', expect.objectContaining({ type: 'RecordEstimateSent' })],
      [
        'record',
        {
          streamId: workflowId,
          type: 'RecordEstimateWithdrawn',
          data: { by: SENDER },
          userId: SENDER,
          commandId: d.commandId,
        },
      ],
    ]);
  });

  it('refuses a second decision once one is taken', async () => {
    // No worker on this queue until both decisions are with the server: they reach the workflow
    // in one task, in the order they were sent.
    const queue = `${suite.taskQueue}-late`;
    const { workflowId, handle } = await start({}, queue);
    const first = decision({ decision: 'approve' });
    const firstAnswer = handle.executeUpdate(decideEstimate, { args: [first] });
    await new Promise((r) => setTimeout(r, 200));
    const secondAnswer = refusal(
      handle.executeUpdate(decideEstimate, {
        args: [decision({ decision: 'reject', reason: 'Changed my mind' })],
      }),
    );
    await new Promise((r) => setTimeout(r, 300));
    const result = await suite.workerUntil(queue, () => handle.result());
    expect(await firstAnswer).toBe('accepted');
    expect(await secondAnswer).toEqual({
      type: 'conflict',
      message: 'already decided',
    });
    expect(result).toBe('approved');
    expect(
      suite.doubles.commands(workflowId).map(([type, id]) => [type, id === first.commandId]),
    ).toEqual([
      ['RecordEstimateSent', false],
      ['RecordEstimateApproved', true],
    ]);
  });

  it('refuses a decision once the estimate has expired', async () => {
    const input = inputFor({ expiresAt: inMs(-1000) });
    const workflowId = workflowIds.estimateApproval(input.estimateId);
    // Started and decided in one call, so the decision meets the workflow before its expiry does.
    const startWorkflowOperation = new WithStartWorkflowOperation<typeof estimateApproval>(
      'estimateApproval',
      {
        workflowId,
        taskQueue: suite.taskQueue,
        args: [input],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      },
    );
    const answer = suite.env.client.workflow.executeUpdateWithStart(decideEstimate, {
      args: [decision({ decision: 'approve' })],
      startWorkflowOperation,
    });
    expect(await refusal(answer)).toEqual({ type: 'expired', message: 'the estimate has expired' });
    expect(await (await startWorkflowOperation.workflowHandle()).result()).toBe('expired');
    expect(suite.doubles.calls(workflowId).map((c) => c.name)).toEqual([
      'recordThenNotify',
      'record',
    ]);
  });

  it('not sent: a decision that came while the send was being recorded is answered, through the component, when the send is refused', async () => {
    const input = inputFor();
    const workflowId = workflowIds.estimateApproval(input.estimateId);
    suite.doubles.script(workflowId, {
      recordThenNotify: async () => ({
        status: 'rejected',
        code: 'conflict',
        reason: 'the estimate has no items',
      }),
    });
    const startWorkflowOperation = new WithStartWorkflowOperation<typeof estimateApproval>(
      'estimateApproval',
      {
        workflowId,
        taskQueue: suite.taskQueue,
        args: [input],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      },
    );
    const d = decision({ decision: 'approve' });
    // The decision waits its turn while the send is recorded.
    expect(
      await suite.env.client.workflow.executeUpdateWithStart(decideEstimate, {
        args: [d],
        startWorkflowOperation,
      }),
    ).toBe('accepted');
    const handle = await startWorkflowOperation.workflowHandle();
    expect(await handle.result()).toBe('refused');
    // Its request waits on its command id: a withdrawal the component refuses (the estimate is a draft) answers it.
    expect(suite.doubles.calls(workflowId).map((c) => [c.name, c.args[0]])).toEqual([
      ['recordThenNotify', sentRecord(input)],
      [
        'record',
        {
          streamId: workflowId,
          type: 'RecordEstimateWithdrawn',
          data: { by: 'auth0|client' },
          userId: 'auth0|client',
          commandId: d.commandId,
        },
      ],
    ]);
    // Over: a later decision finds no process to decide.
    await expect(
      handle.executeUpdate(decideEstimate, { args: [decision({ decision: 'approve' })] }),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });
});
