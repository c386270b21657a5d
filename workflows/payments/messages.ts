import { defineQuery, defineUpdate } from '@temporalio/workflow';

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
  reason?: string;
  commandId: string;
}

export const recordManualPayment = defineUpdate<string, [ManualPayment]>('recordManualPayment');
export const startCheckout = defineUpdate<{ paymentIntentId: string; clientSecret: string | null }, [Checkout]>('startCheckout');
export const cancelInvoice = defineUpdate<string, [Cancellation]>('cancel');
export const providerResult = defineUpdate<string, [ProviderResult]>('providerResult');
export const invoiceState = defineQuery<{ status: string; amountPaid: number; amountDue: number }>('state');

export interface InvoicePaymentInput {
  invoiceId: string;
  estimateId: string;
  projectId: string;
  amount: number;
  currency: string;
  clientEmail: string;
  dueAt: string;
  reminderEveryMs: number;
  issuedBy: string;
}

export type PaymentResult = 'paid' | 'cancelled';
