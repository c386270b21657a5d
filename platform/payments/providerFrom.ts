import type { Config } from '../config';
import type { PaymentProvider } from './port';
import { stripeProvider } from './stripeProvider';

/** Stripe when it is configured; otherwise none (manual payments still work). */
export const providerFrom = (config: Config): PaymentProvider | null =>
  config.stripe ? stripeProvider(config.stripe) : null;
