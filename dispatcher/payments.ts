import type { Static } from '@sinclair/typebox';
import type { Client, WorkflowHandle } from '@temporalio/client';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
} from '@temporalio/common';
import type {
  CancelInvoice,
  ProviderNotification,
  RecordManualPayment,
} from '../contracts/payments';
import { streamEntityId } from '../contracts/envelope';
import { ALREADY_DECIDED } from '../contracts/decided';
import { ProcessRefusal, type ProcessRoute } from '../platform/hosts/dispatcher';
import { ESTIMATE_ID, INVOICE_ID, PROJECT_ID } from '../workflows/searchAttributes';
import { workflowIds } from '../workflows/ids';
import type { LatePaymentInput } from '../workflows/payments/latePayment';
import type { InvoicePaymentInput } from '../workflows/payments/messages';
import {
  cancelInvoice,
  providerResult,
  recordManualPayment,
  startCheckout,
  type PaymentResult,
} from '../workflows/payments/messages';

const handleOf = (client: Parameters<ProcessRoute>[1]['client'], streamId: string) =>
  client.workflow.getHandle(workflowIds.invoicePayment(streamEntityId(streamId)));

/** How invoice process commands reach the payment workflow. */
export const paymentRoutes: Record<string, ProcessRoute> = {
  async RecordManualPayment(command, { client }) {
    const data = command.data as Static<typeof RecordManualPayment>;
    const handle = handleOf(client, command.streamId);
    await unlessOver(handle, () =>
      handle.executeUpdate(recordManualPayment, {
        args: [{ ...data, commandId: command.id }],
        updateId: command.id,
      }),
    );
  },
  async StartCheckout(command, { client }) {
    const by = (command.data as { by: string }).by;
    const handle = handleOf(client, command.streamId);
    const intent = await unlessOver(handle, () =>
      handle.executeUpdate(startCheckout, {
        args: [{ by, commandId: command.id }],
        updateId: command.id,
      }),
    );
    return { result: intent };
  },
  async CancelInvoice(command, { client }) {
    const data = command.data as Static<typeof CancelInvoice>;
    const handle = handleOf(client, command.streamId);
    await unlessOver(handle, () =>
      handle.executeUpdate(cancelInvoice, {
        args: [{ ...data, commandId: command.id }],
        updateId: command.id,
      }),
    );
  },
  async ProviderNotification(command, { client, taskQueue }) {
    const data = command.data as Static<typeof ProviderNotification>;
    const handle = handleOf(client, command.streamId);
    try {
      // The outcome comes with the payment's event; nobody waits on it (the provider got its 200).
      await handle.executeUpdate(providerResult, {
        args: [{ ...data, commandId: command.id }],
        updateId: command.id,
      });
    } catch (err) {
      // Money taken after the process ended must still reach people. Without a currency (sent
      // before it was carried) or for a failure there is nothing to record: refused as before.
      if (!(err instanceof WorkflowNotFoundError) || data.outcome !== 'succeeded' || !data.currency)
        throw err;
      const ended = await endedAs(handle);
      if (!ended) throw err; // not started yet: the dispatcher waits for it
      const invoiceId = streamEntityId(command.streamId);
      const input: LatePaymentInput = {
        invoiceId,
        ended,
        paymentIntentId: data.paymentIntentId,
        amount: data.amount,
        currency: data.currency,
        commandId: command.id,
      };
      try {
        await client.workflow.start('lateProviderPayment', {
          taskQueue,
          // One per intent, ever: the provider reports an intent's success once (and retries that report).
          workflowId: workflowIds.latePayment(invoiceId, data.paymentIntentId),
          args: [input],
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          typedSearchAttributes: [{ key: INVOICE_ID, value: invoiceId }],
          staticSummary: `Payment ${data.paymentIntentId} of ${data.amount} ${data.currency} after the invoice was ${ended}`,
        });
      } catch (e) {
        if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
      }
    }
  },
};

/**
 * An Update of the invoice's process. Temporal says "not found" both before the process has
 * started and after it has ended: an ended one (another payment settled the invoice, or it was
 * cancelled) is refused at once in the invoice's words; anything else is the dispatcher's to judge
 * (it waits for a process that is starting).
 */
async function unlessOver<T>(handle: WorkflowHandle, update: () => Promise<T>): Promise<T> {
  try {
    return await update();
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    const ended = await endedAs(handle);
    if (ended) throw new ProcessRefusal('conflict', `${ALREADY_DECIDED}: the invoice is ${ended}`);
    throw err;
  }
}

/** How the invoice's process ended, or null when it has not (or ended otherwise: failed, terminated). */
async function endedAs(handle: WorkflowHandle): Promise<PaymentResult | null> {
  try {
    if ((await handle.describe()).status.name !== 'COMPLETED') return null;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
  return (await handle.result()) as PaymentResult;
}

/**
 * Starts an invoice's payment process from the approval's `approveAndInvoice` step. A retried step finds
 * the running process (USE_EXISTING) or the one that already ended (REJECT_DUPLICATE): an invoice
 * has one payment process, ever. Eager: when this worker polls the same queue, the server hands
 * the new run's first task straight back in the answer instead of dispatching it.
 */
export async function startInvoicePayment(
  client: Client,
  taskQueue: string,
  input: InvoicePaymentInput,
): Promise<void> {
  try {
    await client.workflow.start('invoicePayment', {
      taskQueue,
      workflowId: workflowIds.invoicePayment(input.invoiceId),
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      requestEagerStart: true,
      typedSearchAttributes: [
        { key: INVOICE_ID, value: input.invoiceId },
        { key: ESTIMATE_ID, value: input.estimateId },
        { key: PROJECT_ID, value: input.projectId },
      ],
      staticSummary: `${input.kind === 'deposit' ? 'Deposit invoice' : 'Invoice'} of ${input.amount} ${input.currency} (minor units) to ${input.clientEmail}`,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
