/**
 * The processes' workflow ids: readable (`estimate-<id>`, `invoice-<id>`, as operators search the
 * Temporal UI for them) and derived from the entity, so starting one is idempotent and every
 * step's command id, derived from it, is the same on every retry and replay. Plain functions, so
 * the workflow sandbox, the dispatcher and the activities share them.
 */
export const workflowIds = {
  /** An estimate's approval: one run at a time per estimate. */
  estimateApproval: (estimateId: string): string => `estimate-${estimateId}`,
  /** An invoice's payment: one process per invoice, ever. */
  invoicePayment: (invoiceId: string): string => `invoice-${invoiceId}`,
  /** A provider payment reported after the invoice's process ended: one per payment intent, ever. */
  latePayment: (invoiceId: string, paymentIntentId: string): string =>
    `invoice-${invoiceId}-late-${paymentIntentId}`,
};
