import { processSteps } from '../steps';
import { paymentIdFor } from './invoicePayment';

export interface LatePaymentInput {
  invoiceId: string;
  /** How the invoice's process ended. */
  ended: 'paid' | 'cancelled';
  paymentIntentId: string;
  amount: number;
  currency: string;
  /** The notification's command id: the record's, so a retried step records once. */
  commandId: string;
}

/**
 * A provider payment reported after the invoice's process ended (a second checkout paid too, or
 * money for a cancelled invoice): nothing is due, so it is recorded as unmatched for people to
 * settle. A repeat of the payment that settled the invoice is refused by the component as counted.
 */
export async function lateProviderPayment(
  input: LatePaymentInput,
): Promise<'accepted' | 'rejected'> {
  const { steps } = processSteps();
  const recorded = await steps.record({
    streamId: `invoice-${input.invoiceId}`,
    type: 'RecordUnmatchedPayment',
    data: {
      paymentId: paymentIdFor(`${input.invoiceId}/${input.paymentIntentId}`),
      amount: input.amount,
      currency: input.currency,
      providerReference: input.paymentIntentId,
      reason: `paid after the invoice was ${input.ended}`,
    },
    userId: null,
    commandId: input.commandId,
  });
  return recorded.status;
}
