/**
 * Whether a payment the provider reports as succeeded may count towards the invoice. The webhook's
 * signature proves the provider sent it, not that it is the payment we asked for: an intent can be
 * created or changed outside our checkout (the provider's dashboard, another integration) and still
 * name the invoice. Money that does not fit is kept apart for people to settle (refund, or credit
 * the client), never counted: an invoice is never paid in another currency, nor beyond its amount.
 *
 * Returns why it does not fit, or null when it counts.
 */
export function unmatchedReason(
  payment: { amount: number; currency?: string },
  invoice: {
    currency: string;
    /** What is still due now. */
    due: number;
    /** The amount our checkout asked for with this payment intent; undefined when we did not create it. */
    checkout?: number;
  },
): string | null {
  // Notifications from before the currency was carried: it was the invoice's, as far as we knew.
  const currency = payment.currency ?? invoice.currency;
  if (currency !== invoice.currency)
    return `paid in ${currency}, the invoice is in ${invoice.currency}`;
  if (payment.amount > invoice.due) return `${payment.amount} paid, only ${invoice.due} is due`;
  // Less than its checkout asked, even if within what is due: the intent was changed after we made it.
  if (invoice.checkout !== undefined && payment.amount !== invoice.checkout)
    return `${payment.amount} paid, the checkout asked for ${invoice.checkout}`;
  return null;
}
