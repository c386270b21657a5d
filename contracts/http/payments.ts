import { Type, type Static } from '@sinclair/typebox';
import { Filled, Id, Instant, Text } from '../formats';
import { Minor } from '../money';
import { IssueInvoice, RecordManualPayment, RecordUnmatchedPayment } from '../payments';
import { History } from './history';
import { Empty, type ApiSection } from './operation';
import { Version } from './projects';

const times = { createdAt: Instant, updatedAt: Instant };

export const Payment = Type.Object(
  {
    id: Id,
    method: Type.Union([Type.Literal('manual'), Type.Literal('stripe')]),
    amount: Minor,
    refunded: Minor,
    status: Type.Union(
      [
        Type.Literal('requested'),
        Type.Literal('succeeded'),
        Type.Literal('failed'),
        Type.Literal('refunded'),
        Type.Literal('unmatched'),
      ],
      {
        description:
          '`unmatched`: the provider took money that does not count (see `unmatchedPayments`).',
      },
    ),
    reference: Type.Union([Text({ maxLength: 200 }), Type.Null()]),
    reason: Type.Union([Text({ maxLength: 2000 }), Type.Null()]),
    ...times,
  },
  { additionalProperties: false },
);
export type Payment = Static<typeof Payment>;

/** Money received that does not count towards the invoice (another currency, more than was due): for people to settle. */
export const UnmatchedPayment = Type.Object(
  { ...RecordUnmatchedPayment.properties, at: Instant },
  { additionalProperties: false },
);
export type UnmatchedPayment = Static<typeof UnmatchedPayment>;

const { invoiceId: _id, ...issued } = IssueInvoice.properties;
export const Invoice = Type.Object(
  {
    id: Id,
    ...issued,
    amountPaid: Minor,
    amountDue: Minor,
    status: Type.Union([
      Type.Literal('open'),
      Type.Literal('overdue'),
      Type.Literal('paid'),
      Type.Literal('cancelled'),
    ]),
    payments: Type.Array(Payment),
    unmatchedPayments: Type.Array(UnmatchedPayment),
    history: History,
    version: Version,
    ...times,
  },
  { additionalProperties: false },
);
export type Invoice = Static<typeof Invoice>;

/** What the frontend confirms the payment with (Stripe.js). */
export const Checkout = Type.Object(
  {
    paymentIntentId: Text({ minLength: 1, maxLength: 200 }),
    clientSecret: Type.Union([Text({ maxLength: 500 }), Type.Null()]),
  },
  { additionalProperties: false },
);

export const PaymentBody = Type.Object(
  {
    amount: RecordManualPayment.properties.amount,
    reference: RecordManualPayment.properties.reference,
  },
  { additionalProperties: false },
);
export const CancelBody = Type.Object({ reason: Filled(2000) }, { additionalProperties: false });

const invoice = (description: string, status = 200) => ({
  [status]: { description, body: Invoice },
});
const MANAGERS_ONLY =
  'Only those who manage the project (its owner, an administrator of its team) may do this.';
const SETTLED =
  'The invoice is settled (paid or cancelled) and takes nothing more: the error starts with `already decided`.';

export const paymentsApi = {
  tag: 'payments',
  description:
    'Invoices issued from approved estimates, and their payments: by bank transfer, recorded by the team, or online by the client (Stripe).',
  params: {
    pid: { description: 'The project’s id.' },
    iid: { description: 'The invoice’s id.' },
  },
  schemas: { Invoice, Payment, UnmatchedPayment, Checkout, PaymentBody, CancelBody },
  operations: {
    listInvoices: {
      method: 'get',
      path: '/projects/:pid/invoices',
      summary: 'A project’s invoices: all of them for its team, those sent to them for a client',
      errors: { 403: 'The token carries no verified email to prove the caller is a client.' },
      responses: { 200: { description: 'Oldest first.', body: Type.Array(Invoice) } },
    },
    getInvoice: {
      method: 'get',
      path: '/invoices/:iid',
      summary: 'An invoice',
      errors: { 403: 'The token carries no verified email to prove the caller is its client.' },
      responses: invoice('The invoice.'),
    },
    recordPayment: {
      method: 'post',
      path: '/invoices/:iid/payments',
      summary: 'Record a bank transfer',
      body: PaymentBody,
      command: {},
      errors: { 403: MANAGERS_ONLY, 409: SETTLED },
      responses: invoice('The invoice with the payment.', 201),
    },
    cancelInvoice: {
      method: 'post',
      path: '/invoices/:iid/cancel',
      summary: 'Cancel an invoice',
      body: CancelBody,
      command: {},
      errors: { 403: MANAGERS_ONLY, 409: `${SETTLED} Or it has payments: refund them first.` },
      responses: invoice('The invoice, cancelled.'),
    },
    checkout: {
      method: 'post',
      path: '/invoices/:iid/checkout',
      summary: 'Start paying an invoice online (its client)',
      body: Empty,
      bodyOptional: true,
      command: { pending: false },
      errors: {
        403: 'Only the client pays online.',
        404: 'No such invoice, or online payment is not available (pay by bank transfer).',
        409: SETTLED,
        503: 'The payment provider did not answer in time; try again.',
      },
      responses: {
        201: { description: 'The payment to confirm with the provider.', body: Checkout },
      },
    },
  },
} satisfies ApiSection;

/** Stripe's side: no token, a signature over the exact body instead. */
export const paymentWebhookApi = {
  tag: 'webhooks',
  description: 'Calls from the payment provider, signed rather than authenticated.',
  params: {},
  schemas: {},
  operations: {
    stripeWebhook: {
      method: 'post',
      path: '/payments/webhooks/stripe',
      summary: 'A Stripe event (payment_intent.succeeded, payment_intent.payment_failed)',
      description:
        'Verified with the endpoint’s signing secret, written to the log for the invoice’s process, and acknowledged at once. Events about no payment of ours are acknowledged and ignored.',
      public: true,
      headers: ['Stripe-Signature'],
      rawBody: {
        description: 'The event as Stripe sent it; the signature covers these exact bytes.',
        schema: Type.Object({}, { description: 'A Stripe event object.' }),
      },
      errors: {
        400: 'The signature does not verify, or the body is not JSON.',
        404: 'No payment provider is configured.',
        503: 'The event log is away; Stripe retries.',
      },
      responses: {
        200: {
          description: 'Received.',
          body: Type.Object({ received: Type.Literal(true) }, { additionalProperties: false }),
        },
      },
    },
  },
} satisfies ApiSection;
