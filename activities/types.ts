import type { EstimateCommand } from '../contracts/estimation';
import type { InvoiceCommand } from '../contracts/payments';

/**
 * What the workflows may ask of the world. Every side effect of a process is one of these
 * activities; the workflows stay deterministic.
 */

/** What a process's step may record: one of the estimate's or the invoice's commands, with its data. */
export type StepCommand = EstimateCommand | InvoiceCommand;

/** A step's command, for the stream it goes to (whose category the stream id names). */
export type RecordRequest = StepCommand & StepCommandOptions;

export interface StepCommandOptions {
  streamId: string;
  /** Who the command acts for (a token subject), carried in its metadata. */
  userId: string | null;
  /**
   * The command id: given when a request is waiting for it (the process command's id), else
   * derived from the workflow id and this step name, so a retried activity sends the same one.
   */
  commandId?: string;
  step?: string;
  /** The stream version the command expects (the draft a send was read from); absent: no check. */
  expectedVersion?: number;
}

export type RecordResult =
  { status: 'accepted'; version: number } | { status: 'rejected'; code: string; reason: string };

export interface InvoiceDraft {
  invoiceId: string;
  estimateId: string;
  projectId: string;
  amount: number;
  currency: string;
  clientEmail: string;
  dueAt: string;
  kind: 'full' | 'deposit';
}

/** The invoice a notice is about, and when it is due. */
interface InvoiceRef {
  invoiceId: string;
  dueAt: string;
}

/** An email a process sends: its template, and the values that template's text shows (amounts in minor units). */
export type Notice = { to: string } & (
  | {
      template: 'estimate-sent' | 'estimate-reminder';
      params: { title: string; estimateId: string; expiresAt: string };
    }
  | { template: 'invoice-issued'; params: InvoiceRef & { amount: number; currency: string } }
  | { template: 'invoice-reminder'; params: InvoiceRef & { amountDue: number; currency: string } }
  | { template: 'invoice-overdue'; params: InvoiceRef }
  | { template: 'payment-receipt'; params: { invoiceId: string; paid: number; currency: string } }
);

/** What the client approved, as the process was given it: all an invoice is computed from. */
export interface EstimateTerms {
  projectId: string;
  clientEmail: string;
  currency: string;
  total: number;
  depositPercent: number;
}

/** What an approval hands on to the invoice's payment process. */
export interface InvoiceOpening {
  estimateId: string;
  /** When the client approved (the decision command's time): the due date counts from it, the same on every retry. */
  approvedAt: string;
  approvedBy: string;
  sentBy: string;
  dueInMs: number;
  reminderEveryMs: number;
  /** Absent for runs started before the process carried them: read from the estimate as it was sent. */
  terms?: EstimateTerms;
}

export interface Activities {
  record(request: RecordRequest): Promise<RecordResult>;
  /** Issues the approved estimate's invoice (its amount read from the sent estimate). Only runs started before the local-steps change call it. */
  issueInvoice(input: {
    estimateId: string;
    dueInMs: number;
    userId: string;
  }): Promise<InvoiceDraft>;
  /** Records, and once the record is accepted sends the notice: one step where there were two. */
  recordThenNotify(request: RecordRequest, notice: Notice): Promise<RecordResult>;
  /**
   * Records the client's approval, starts the estimate's payment process (its amount from the
   * terms the process was given), then issues the invoice: an invoice is never visible before its
   * process runs.
   */
  approveAndInvoice(input: {
    approval: RecordRequest;
    invoice: InvoiceOpening;
  }): Promise<{ approved: RecordResult; invoice: InvoiceDraft | null }>;
  notify(notice: Notice): Promise<void>;
  createPaymentIntent(input: {
    invoiceId: string;
    amount: number;
    currency: string;
    idempotencyKey: string;
  }): Promise<{ id: string; clientSecret: string | null }>;
  refund(input: {
    paymentIntentId: string;
    amount: number;
    idempotencyKey: string;
  }): Promise<{ id: string }>;
}
