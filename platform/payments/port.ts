/**
 * The payment provider port. Money is integer minor units (cents) with an ISO 4217 currency;
 * every call that creates or moves money takes an idempotency key derived from the workflow, so a
 * retried activity never charges or refunds twice.
 */
export interface PaymentIntent {
  id: string;
  /** Handed to the frontend so the payer completes the payment with the provider. */
  clientSecret: string | null;
  amount: number;
  currency: string;
  status:
    | 'requires_payment_method'
    | 'requires_action'
    | 'processing'
    | 'succeeded'
    | 'canceled'
    | 'requires_confirmation'
    | 'requires_capture';
}

export interface Refund {
  id: string;
  amount: number;
  status: 'pending' | 'succeeded' | 'failed' | 'canceled' | 'requires_action';
}

/** What a provider tells us happened to a payment, after its signature was verified. */
export type ProviderEvent =
  | {
      type: 'payment.succeeded';
      eventId: string;
      paymentIntentId: string;
      amount: number;
      currency: string;
      invoiceId: string | null;
    }
  | {
      type: 'payment.failed';
      eventId: string;
      paymentIntentId: string;
      reason: string;
      invoiceId: string | null;
    }
  | { type: 'ignored'; eventId: string; providerType: string };

export interface PaymentProvider {
  readonly name: string;
  createIntent(input: {
    invoiceId: string;
    amount: number;
    currency: string;
    idempotencyKey: string;
    description?: string;
  }): Promise<PaymentIntent>;
  refund(input: {
    paymentIntentId: string;
    amount: number;
    idempotencyKey: string;
  }): Promise<Refund>;
  /**
   * Verifies the signature of a webhook call over its raw body (the bytes as received, before any
   * JSON parsing) and reads it; throws WebhookVerificationError when it cannot be trusted.
   */
  parseWebhook(rawBody: string | Buffer, signatureHeader: string): ProviderEvent;
}

/**
 * A provider call that failed. `retryable`: the same call with the same idempotency key may still
 * succeed (network, rate limit, provider outage); otherwise retrying cannot help (invalid request,
 * bad credentials, a key reused with other parameters), so an activity should fail for good.
 */
export class PaymentProviderError extends Error {
  override readonly name = 'PaymentProviderError';
  constructor(
    message: string,
    readonly retryable: boolean,
    /** The provider's classification, e.g. `invalid_request_error`, `api_connection_error`, `validation`. */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A webhook call whose signature, age or body cannot be trusted: answer 400 and do nothing. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
}
