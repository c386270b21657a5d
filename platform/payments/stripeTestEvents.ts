import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';

/**
 * Webhook calls as Stripe makes them, for tests and local development: stripe-mock answers API
 * calls but sends no webhooks, so a test plays Stripe's part with these.
 */
export interface StripeTestEventInput {
  type: 'payment_intent.succeeded' | 'payment_intent.payment_failed' | (string & {});
  paymentIntentId: string;
  amount: number;
  /** ISO 4217, either case; Stripe sends lower case. */
  currency: string;
  invoiceId?: string | null;
  failureMessage?: string;
  eventId?: string;
  /** A full payment intent as the API returns it (e.g. from stripe-mock), used as the base object. */
  base?: Record<string, unknown>;
}

/** The JSON body of a Stripe event about a payment intent. */
export function stripeEventPayload(input: StripeTestEventInput): string {
  const succeeded = input.type === 'payment_intent.succeeded';
  const failed = input.type === 'payment_intent.payment_failed';
  const created = Math.floor(Date.now() / 1000);
  const object = {
    ...(input.base ?? {}),
    id: input.paymentIntentId,
    object: 'payment_intent',
    amount: input.amount,
    amount_received: succeeded ? input.amount : 0,
    currency: input.currency.toLowerCase(),
    metadata: input.invoiceId ? { invoiceId: input.invoiceId } : {},
    status: succeeded ? 'succeeded' : failed ? 'requires_payment_method' : 'processing',
    last_payment_error: failed
      ? {
          type: 'card_error',
          code: 'card_declined',
          decline_code: 'generic_decline',
          message: input.failureMessage ?? 'Your card was declined.',
        }
      : null,
  };
  return JSON.stringify(
    {
      id: input.eventId ?? `evt_${randomBytes(12).toString('hex')}`,
      object: 'event',
      api_version: Stripe.API_VERSION,
      created,
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type: input.type,
    },
    null,
    2, // Stripe sends indented JSON; the signature covers these exact bytes
  );
}

/** The `Stripe-Signature` header Stripe would send with this body, signed at `timestamp` (seconds). */
export function stripeSignature(
  payload: string,
  secret: string,
  timestamp = Math.floor(Date.now() / 1000),
): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
}
