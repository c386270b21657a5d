/**
 * Settings of the Stripe adapter. platform/config.ts reads them from the environment (the one place
 * settings are read, so deploy checks see them):
 *
 *   STRIPE_SECRET_KEY      secret API key (sk_live_…, sk_test_… or a restricted rk_… key); unset: no Stripe
 *   STRIPE_WEBHOOK_SECRET  signing secret of the webhook endpoint (whsec_…); required with the key
 *   STRIPE_API_BASE        where the API is, e.g. http://127.0.0.1:12111 for stripe-mock; unset: api.stripe.com
 */
export interface StripeSettings {
  secretKey: string;
  webhookSecret: string;
  api: { protocol: 'http' | 'https'; host: string; port: number } | null;
}

export interface RawStripeSettings {
  secretKey?: string;
  webhookSecret?: string;
  apiBase?: string;
}

/** Null when Stripe is not configured (no key); throws when it is configured half or wrong. */
export function stripeSettings(raw: RawStripeSettings): StripeSettings | null {
  const secretKey = raw.secretKey ?? '';
  const webhookSecret = raw.webhookSecret ?? '';
  if (!secretKey) {
    if (webhookSecret) throw new Error('STRIPE_WEBHOOK_SECRET is set but STRIPE_SECRET_KEY is not');
    return null;
  }
  if (!webhookSecret)
    throw new Error(
      'STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not: webhooks could not be verified',
    );
  const api = raw.apiBase ? parseApiBase(raw.apiBase) : null;
  if (api?.protocol === 'http' && !isTestKey(secretKey)) {
    throw new Error(
      'a live Stripe key is only sent over https: use a test key with a plain-http STRIPE_API_BASE',
    );
  }
  return { secretKey, webhookSecret, api };
}

export const isTestKey = (key: string): boolean => /^(sk|rk)_test_/.test(key);

export function parseApiBase(base: string): NonNullable<StripeSettings['api']> {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new Error(`STRIPE_API_BASE is not a URL: ${base}`);
  }
  const protocol = url.protocol.slice(0, -1);
  if (protocol !== 'http' && protocol !== 'https')
    throw new Error(`STRIPE_API_BASE must be http or https: ${base}`);
  if (url.pathname !== '/' || url.search || url.username)
    throw new Error(`STRIPE_API_BASE takes a scheme, host and port only: ${base}`);
  return {
    protocol,
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : protocol === 'https' ? 443 : 80,
  };
}
