import type { Static } from '@sinclair/typebox';
import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, WorkflowNotFoundError } from '@temporalio/common';
import type { CancelInvoice, ProviderNotification, RecordManualPayment } from '../../contracts/payments';
import { streamEntityId } from '../../contracts/envelope';
import type { ProcessRoute } from '../../platform/hosting/dispatcher';
import { INVOICE_ID } from '../searchAttributes';
import type { LatePaymentInput } from './latePayment';
import { cancelInvoice, providerResult, recordManualPayment, startCheckout, type PaymentResult } from './messages';

const handleOf = (client: Parameters<ProcessRoute>[1]['client'], streamId: string) => client.workflow.getHandle(`invoice-${streamEntityId(streamId)}`);

/** How invoice process commands reach the payment workflow. */
export const paymentRoutes: Record<string, ProcessRoute> = {
  async RecordManualPayment(command, { client }) {
    const data = command.data as Static<typeof RecordManualPayment>;
    await handleOf(client, command.streamId).executeUpdate(recordManualPayment, { args: [{ ...data, commandId: command.id }], updateId: command.id });
  },
  async StartCheckout(command, { client }) {
    const by = (command.data as { by: string }).by;
    const intent = await handleOf(client, command.streamId).executeUpdate(startCheckout, { args: [{ by, commandId: command.id }], updateId: command.id });
    return { result: intent };
  },
  async CancelInvoice(command, { client }) {
    const data = command.data as Static<typeof CancelInvoice>;
    await handleOf(client, command.streamId).executeUpdate(cancelInvoice, { args: [{ ...data, commandId: command.id }], updateId: command.id });
  },
  async ProviderNotification(command, { client, taskQueue }) {
    const data = command.data as Static<typeof ProviderNotification>;
    const handle = handleOf(client, command.streamId);
    try {
      // The outcome comes with the payment's event; nobody waits on it (the provider got its 200).
      await handle.executeUpdate(providerResult, { args: [{ ...data, commandId: command.id }], updateId: command.id });
    } catch (err) {
      // Money taken after the process ended must still reach people. Without a currency (sent
      // before it was carried) or for a failure there is nothing to record: refused as before.
      if (!(err instanceof WorkflowNotFoundError) || data.outcome !== 'succeeded' || !data.currency) throw err;
      const ended = await endedAs(handle);
      if (!ended) throw err; // not started yet: the dispatcher waits for it
      const invoiceId = streamEntityId(command.streamId);
      const input: LatePaymentInput = { invoiceId, ended, paymentIntentId: data.paymentIntentId, amount: data.amount, currency: data.currency, commandId: command.id };
      try {
        await client.workflow.start('lateProviderPayment', {
          taskQueue,
          // One per intent, ever: the provider reports an intent's success once (and retries that report).
          workflowId: `${handle.workflowId}-late-${data.paymentIntentId}`,
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
