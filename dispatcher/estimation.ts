import { WorkflowIdConflictPolicy } from '@temporalio/common';
import type { Static } from '@sinclair/typebox';
import type { DecideEstimate, SendEstimate } from '../contracts/estimation';
import { streamEntityId } from '../contracts/envelope';
import { ProcessRefusal, type ProcessRoute } from '../platform/hosts/dispatcher';
import { findEstimate } from '../projectors/estimation/estimateQueries';
import { ESTIMATE_ID, PROJECT_ID } from '../workflows/searchAttributes';
import { decideEstimate, type EstimateApprovalInput } from '../workflows/estimation/messages';

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
export const estimationRoutes = (settings: EstimationProcessSettings): Record<string, ProcessRoute> => ({
  async SendEstimate(command, { client, db, taskQueue, eager }, earlier) {
    // Sent before: its run may be over, and USE_EXISTING would start a new one.
    if (earlier) return 'duplicate';
    const id = streamEntityId(command.streamId);
    const data = command.data as Static<typeof SendEstimate>;
    const found = await findEstimate(db, id);
    if (!found) throw new ProcessRefusal('not_found', 'no such estimate');
    const e = found.estimate;
    const clientEmail = data.clientEmail ?? e.clientEmail;
    if (!clientEmail) throw new ProcessRefusal('invalid', 'the estimate needs a client email to be sent to');
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
      reminderAt: data.reminderBeforeMs > 0 && reminder > now ? new Date(reminder).toISOString() : null,
      invoice: { dueInMs: settings.invoiceDueInMs, reminderEveryMs: settings.invoiceReminderEveryMs },
      title: e.title,
    };
    await client.workflow.start('estimateApproval', {
      taskQueue,
      workflowId: `estimate-${id}`,
      args: [input],
      // A redelivered send finds the run it started and starts nothing.
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      // The first task straight to this process's worker, when there is one.
      requestEagerStart: eager(),
      typedSearchAttributes: [
        { key: ESTIMATE_ID, value: id },
        { key: PROJECT_ID, value: e.projectId },
      ],
      // Temporal bounds a summary (400 bytes): a long title must not make the start fail.
      staticSummary: summary(`Estimate "${e.title}" sent to ${clientEmail}`),
    });
  },

  async DecideEstimate(command, { client }) {
    const data = command.data as Static<typeof DecideEstimate>;
    const handle = client.workflow.getHandle(`estimate-${streamEntityId(command.streamId)}`);
    await handle.executeUpdate(decideEstimate, { args: [{ ...data, commandId: command.id, at: command.metadata.timestamp }], updateId: command.id });
  },
});
