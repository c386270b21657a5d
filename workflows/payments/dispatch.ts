import type { Static } from '@sinclair/typebox';
import type { CancelInvoice, ProviderNotification, RecordManualPayment } from '../../contracts/payments';
import { streamEntityId } from '../../contracts/envelope';
import type { ProcessRoute } from '../../platform/hosting/dispatcher';
import { cancelInvoice, providerResult, recordManualPayment, startCheckout } from './messages';

const handleOf = (client: Parameters<ProcessRoute>[1]['client'], streamId: string) => client.workflow.getHandle(`invoice-${streamEntityId(streamId)}`);

/** How invoice process commands reach the payment workflow. */
export const paymentRoutes: Record<string, ProcessRoute> = {
  async RecordManualPayment(command, { client }) {
    const data = command.data as Static<typeof RecordManualPayment>;
    await handleOf(client, command.streamId).executeUpdate(recordManualPayment, { args: [{ ...data, commandId: command.id }], updateId: command.id });
  },
  async StartCheckout(command, { client }) {
    const by = (command.data as { by: string }).by;
    const intent = await handleOf(client, command.streamId).executeUpdate(startCheckout, { args: [{ by, commandId: command.id }], updateId: command.id });
    return { result: intent };
  },
  async CancelInvoice(command, { client }) {
    const data = command.data as Static<typeof CancelInvoice>;
    await handleOf(client, command.streamId).executeUpdate(cancelInvoice, { args: [{ ...data, commandId: command.id }], updateId: command.id });
  },
  async ProviderNotification(command, { client }) {
    const data = command.data as Static<typeof ProviderNotification>;
    // The outcome comes with the payment's event; nobody waits on it (the provider got its 200).
    await handleOf(client, command.streamId).executeUpdate(providerResult, { args: [{ ...data, commandId: command.id }], updateId: command.id });
  },
};
