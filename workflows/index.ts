// The workflow bundle's entry: every workflow the worker runs.
export { estimateApproval } from './estimation/estimateApproval';
export { invoicePayment } from './payments/invoicePayment';
export { lateProviderPayment } from './payments/latePayment';
