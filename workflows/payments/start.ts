import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { ESTIMATE_ID, INVOICE_ID, PROJECT_ID } from '../searchAttributes';
import type { InvoicePaymentInput } from './messages';

/**
 * Starts an invoice's payment process from the approval's `approveAndInvoice` step. A retried step finds
 * the running process (USE_EXISTING) or the one that already ended (REJECT_DUPLICATE): an invoice
 * has one payment process, ever. Eager: when this worker polls the same queue, the server hands
 * the new run's first task straight back in the answer instead of dispatching it.
 */
export async function startInvoicePayment(client: Client, taskQueue: string, input: InvoicePaymentInput): Promise<void> {
  try {
    await client.workflow.start('invoicePayment', {
      taskQueue,
      workflowId: `invoice-${input.invoiceId}`,
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
