import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { InvoiceDraft } from '../../activities/types';

export interface ManualPayment {
  amount: number;
  reference: string;
  by: string;
  commandId: string;
}

export interface Checkout {
  by: string;
  commandId: string;
}

export interface Cancellation {
  by: string;
  reason: string;
  commandId: string;
}

export interface ProviderResult {
  eventId: string;
  outcome: 'succeeded' | 'failed';
  paymentIntentId: string;
  amount: number;
  /** ISO 4217; absent from notifications sent before it was carried. */
  currency?: string;
  reason?: string;
  commandId: string;
}

export const recordManualPayment = defineUpdate<string, [ManualPayment]>('recordManualPayment');
export const startCheckout = defineUpdate<
  { paymentIntentId: string; clientSecret: string | null },
  [Checkout]
>('startCheckout');
export const cancelInvoice = defineUpdate<string, [Cancellation]>('cancel');
export const providerResult = defineUpdate<string, [ProviderResult]>('providerResult');
export const invoiceState = defineQuery<{ status: string; amountPaid: number; amountDue: number }>(
  'state',
);

/** The issued invoice, and how the process chases it. */
export interface InvoicePaymentInput extends InvoiceDraft {
  reminderEveryMs: number;
  issuedBy: string;
  /**
   * The client was told of the invoice by whoever issued it (the approval's step, once the invoice
   * was recorded), so this process does not. Runs without it announce the invoice themselves.
   */
  announced?: boolean;
}

export type PaymentResult = 'paid' | 'cancelled';
