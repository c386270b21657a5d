import type { Client } from '@temporalio/client';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowNotFoundError,
} from '@temporalio/common';
import type { Static } from '@sinclair/typebox';
import type { DecideEstimate, SendEstimate } from '../contracts/estimation';
import { streamEntityId } from '../contracts/envelope';
import { ALREADY_DECIDED } from '../contracts/decided';
import { ProcessRefusal, missingProcess, type ProcessRoute } from '../platform/hosts/dispatcher';
import { findEstimate } from '../projectors/estimation/estimateQueries';
import { ESTIMATE_ID, PROJECT_ID } from '../workflows/searchAttributes';
import { workflowIds } from '../workflows/ids';
import {
  decideEstimate,
  type ApprovalResult,
  type EstimateApprovalInput,
} from '../workflows/estimation/messages';

export interface EstimationProcessSettings {
  invoiceDueInMs: number;
  invoiceReminderEveryMs: number;
}

/** At most 400 bytes of UTF-8, cut on a character boundary with an ellipsis. */
export const summary = (text: string): string => {
  if (Buffer.byteLength(text) <= 400) return text;
  let out = '';
  for (const ch of text) {
    if (Buffer.byteLength(out + ch) > 397) break;
    out += ch;
  }
  return `${out}…`;
};

/** How estimate process commands reach Temporal. */
export const estimationRoutes = (
  settings: EstimationProcessSettings,
): Record<string, ProcessRoute> => ({
  async SendEstimate(command, { client, db, taskQueue, eager }, earlier) {
    // Sent before: its run may be over, and a new one would start.
    if (earlier) return 'duplicate';
    const id = streamEntityId(command.streamId);
    const data = command.data as Static<typeof SendEstimate>;
    const found = await findEstimate(db, id);
    if (!found) throw new ProcessRefusal('not_found', 'no such estimate');
    const e = found.estimate;
    const clientEmail = data.clientEmail ?? e.clientEmail;
    if (!clientEmail)
      throw new ProcessRefusal('invalid', 'the estimate needs a client email to be sent to');
    const now = Date.now();
    const expiresAt = new Date(now + data.expiresInMs).toISOString();
    const reminder = now + data.expiresInMs - data.reminderBeforeMs;
    const input: EstimateApprovalInput = {
      estimateId: id,
      projectId: e.projectId,
      clientEmail,
      sentBy: command.metadata.userId ?? 'unknown',
      sendCommandId: command.id,
      expiresAt,
      reminderAt:
        data.reminderBeforeMs > 0 && reminder > now ? new Date(reminder).toISOString() : null,
      invoice: {
        dueInMs: settings.invoiceDueInMs,
        reminderEveryMs: settings.invoiceReminderEveryMs,
      },
      title: e.title,
      // What the client will approve; the send is recorded only if the draft is still this version.
      terms: {
        currency: e.currency,
        total: e.totals.total,
        depositPercent: e.depositPercent,
        draftVersion: e.version,
      },
    };
    try {
      await startApproval(client, taskQueue, eager(), input, e.title);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      // A redelivered send finds the run it started and starts nothing. Another send while a run is
      // open is the process's to refuse: it has sent the estimate (or is sending it). A run that is
      // over does not stop a new one: its first step asks the estimate's decider, which refuses
      // what is no longer a draft.
      const startedBy = (
        await client.workflow.getHandle(workflowIds.estimateApproval(id)).describe()
      ).memo?.[SENT_BY_COMMAND];
      if (startedBy !== undefined && startedBy !== command.id)
        throw new ProcessRefusal('conflict', 'the estimate is already sent');
    }
  },

  async DecideEstimate(command, { client }) {
    const data = command.data as Static<typeof DecideEstimate>;
    const handle = client.workflow.getHandle(
      workflowIds.estimateApproval(streamEntityId(command.streamId)),
    );
    try {
      await handle.executeUpdate(decideEstimate, {
        args: [{ ...data, commandId: command.id, at: command.metadata.timestamp }],
        updateId: command.id,
      });
    } catch (err) {
      // No run takes decisions: the estimate was never sent, or its process is over (another
      // decision won, or it expired). Answered at once, in the process's words (the validator
      // answers while a run is open). No waiting for a run to start, as the dispatcher does for
      // invoices: a decision follows its estimate's send on the same channel, and the send has
      // started the run before the decision is carried.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      const ended = await endedAs(client, handle.workflowId);
      // A run opened since (a send carried by another dispatcher during a rollout): tried again.
      if (ended === 'open') throw err;
      throw new ProcessRefusal(
        'conflict',
        ended === null || ended === 'refused'
          ? 'no decision is awaited: the estimate is not sent'
          : `${ALREADY_DECIDED}: ${ended === 'over' ? 'its process is over' : `the estimate is ${ended}`}`,
      );
    }
  },
});

/** The memo that names the send command a run was started for: a redelivery of it is not a second send. */
const SENT_BY_COMMAND = 'sendCommandId';

function startApproval(
  client: Client,
  taskQueue: string,
  eager: boolean,
  input: EstimateApprovalInput,
  title: string,
) {
  return client.workflow.start('estimateApproval', {
    taskQueue,
    workflowId: workflowIds.estimateApproval(input.estimateId),
    args: [input],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
    memo: { [SENT_BY_COMMAND]: input.sendCommandId },
    // The first task straight to this process's worker, when there is one.
    requestEagerStart: eager,
    typedSearchAttributes: [
      { key: ESTIMATE_ID, value: input.estimateId },
      { key: PROJECT_ID, value: input.projectId },
    ],
    // Temporal bounds a summary (400 bytes): a long title must not make the start fail.
    staticSummary: summary(`Estimate "${title}" sent to ${input.clientEmail}`),
  });
}

/**
 * How an estimate's last process ended: its result, 'over' when it ended otherwise (failed,
 * terminated), 'open' when a run is open again, or null when there was none.
 */
async function endedAs(
  client: Client,
  workflowId: string,
): Promise<ApprovalResult | 'over' | 'open' | null> {
  const handle = client.workflow.getHandle(workflowId);
  let status: string;
  try {
    status = (await handle.describe()).status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
  if (status === 'COMPLETED') return (await handle.result()) as ApprovalResult;
  return missingProcess(status) === 'over' ? 'over' : 'open';
}
