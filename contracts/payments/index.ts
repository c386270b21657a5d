import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Email, Filled, Id, Instant, Sub, Text } from '../formats';
import { Currency, Minor, Positive } from '../money';

export const INVOICE_CATEGORY = 'invoice';

const Reference = Filled(200);
/** Why, in a person's words; may be empty when the process records it. */
const Why = Text({ maxLength: 2000 });
const Method = Type.Union([Type.Literal('manual'), Type.Literal('stripe')]);

// Commands, sent by the approval and payment workflows (ids derived from the workflow) ---------
export const IssueInvoice = Type.Object(
  {
    invoiceId: Id,
    estimateId: Id,
    projectId: Id,
    currency: Currency,
    amount: Positive,
    kind: Type.Union([Type.Literal('full'), Type.Literal('deposit')]),
    dueAt: Instant,
    clientEmail: Email,
  },
  { additionalProperties: false },
);
export const RecordPaymentRequested = Type.Object(
  { paymentId: Id, method: Method, amount: Positive, providerReference: Text({ maxLength: 200 }) },
  { additionalProperties: false },
);
export const RecordPaymentSucceeded = Type.Object(
  { paymentId: Id, method: Method, amount: Positive, reference: Reference },
  { additionalProperties: false },
);
export const RecordPaymentFailed = Type.Object(
  { paymentId: Id, reason: Why },
  { additionalProperties: false },
);
export const RecordInvoiceOverdue = Type.Object({}, { additionalProperties: false });
export const RecordInvoiceCancelled = Type.Object(
  { by: Sub, reason: Why },
  { additionalProperties: false },
);
export const RecordPaymentRefunded = Type.Object(
  { paymentId: Id, amount: Positive, refundReference: Reference, reason: Why },
  { additionalProperties: false },
);
/** Money the provider took that does not count towards the invoice (wrong currency, too much): for people to settle. */
export const RecordUnmatchedPayment = Type.Object(
  {
    paymentId: Id,
    amount: Minor,
    currency: Currency,
    providerReference: Reference,
    reason: Filled(2000),
  },
  { additionalProperties: false },
);

// Events ---------------------------------------------------------------------------------------
export const InvoiceIssued = IssueInvoice;
export const PaymentRequested = RecordPaymentRequested;
export const PaymentSucceeded = RecordPaymentSucceeded;
export const PaymentFailed = RecordPaymentFailed;
export const InvoicePaid = Type.Object({ amountPaid: Minor }, { additionalProperties: false });
export const InvoiceOverdue = RecordInvoiceOverdue;
export const InvoiceCancelled = RecordInvoiceCancelled;
export const PaymentRefunded = RecordPaymentRefunded;
export const UnmatchedPaymentReceived = RecordUnmatchedPayment;

export const invoiceCommands = {
  IssueInvoice,
  RecordPaymentRequested,
  RecordPaymentSucceeded,
  RecordPaymentFailed,
  RecordInvoiceOverdue,
  RecordInvoiceCancelled,
  RecordPaymentRefunded,
  RecordUnmatchedPayment,
};
export const invoiceEvents = {
  InvoiceIssued,
  PaymentRequested,
  PaymentSucceeded,
  PaymentFailed,
  InvoicePaid,
  InvoiceOverdue,
  InvoiceCancelled,
  PaymentRefunded,
  UnmatchedPaymentReceived,
};

// Process commands: to the payment workflow, through the dispatcher ---------------------------
export const RecordManualPayment = Type.Object(
  { amount: Positive, reference: Reference, by: Sub },
  { additionalProperties: false },
);
export const StartCheckout = Type.Object({ by: Sub }, { additionalProperties: false });
export const CancelInvoice = Type.Object({ by: Sub, reason: Why }, { additionalProperties: false });
export const ProviderNotification = Type.Object(
  {
    eventId: Text({ minLength: 1, maxLength: 200 }),
    outcome: Type.Union([Type.Literal('succeeded'), Type.Literal('failed')]),
    paymentIntentId: Text({ minLength: 1, maxLength: 200 }),
    amount: Minor,
    // Optional: notifications already in the log from before it was carried stay valid.
    currency: Type.Optional(Currency),
    reason: Type.Optional(Why),
  },
  { additionalProperties: false },
);
export const invoiceProcessCommands = {
  RecordManualPayment,
  StartCheckout,
  CancelInvoice,
  ProviderNotification,
};

type Union<M extends Record<string, TSchema>> = {
  [K in keyof M & string]: { type: K; data: Static<M[K]> };
}[keyof M & string];
export type InvoiceCommand = Union<typeof invoiceCommands>;
export type InvoiceEvent = Union<typeof invoiceEvents>;
