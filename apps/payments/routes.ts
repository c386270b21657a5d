import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Pool } from 'pg';
import { INVOICE_CATEGORY } from '../../contracts/payments';
import { paymentsApi, paymentWebhookApi } from '../../contracts/http/payments';
import { principal, type Principal } from '../../platform/auth/jwt';
import type { CommandSender } from '../../platform/outcomes/commandSender';
import { commandFrom, dispatchCommand, sendCommand } from '../../platform/http/commands';
import { HttpError } from '../../platform/http/errors';
import { refuseWhileRepairing } from '../../platform/http/repairing';
import { idParam } from '../../platform/http/request';
import { routerOf } from '../../platform/http/routeTable';
import { newId } from '../../platform/ids';
import type { CommandPublisher } from '../../platform/eventlog/reconnectingPublisher';
import type { PaymentProvider } from '../../platform/payments/port';
import { requireProvenEmail } from '../identity/callerEmail';
import { findInvoice, listInvoices, type Invoice } from '../../projectors/payments/invoiceQueries';
import { findProject } from '../../projectors/projects/boardQueries';
import { listForCaller } from '../projects/listForCaller';
import { asSeenByClient } from '../projects/clientView';
import { authorize, may, type Action } from '../projects/permissions';
import { logger } from '../../platform/logger';
import { checkCommand } from '../../platform/hosts/messages';
import { commandEnvelope } from '../../platform/outcomes/commandEnvelope';

const stream = (id: string) => `${INVOICE_CATEGORY}-${id}`;

export function paymentsRoutes(db: Pool, commands: CommandSender, online = true): Router {
  /** The invoice, if the caller is on its project's team (with `action`) or is its client. */
  async function invoiceFor(
    ctx: Context,
    who: Principal,
    action: Action | 'client',
  ): Promise<Invoice> {
    const iid = idParam(ctx, 'iid', 'invoice');
    refuseWhileRepairing(db, stream(iid), 'invoice');
    const invoice = await findInvoice(db, iid);
    if (!invoice) throw new HttpError(404, 'no such invoice');
    const access = (await findProject(db, invoice.projectId, who.sub))?.access ?? null;
    // A client's access hangs on their address: only a verified one proves it.
    const isClient = who.verifiedEmail === invoice.clientEmail.toLowerCase();
    if (action === 'client' && isClient) return invoice;
    if (action === 'read' && isClient && !may(access, 'read'))
      return asSeenByClient(invoice, who.sub);
    if (action === 'read' && isClient) return invoice;
    if ((action === 'read' || action === 'client') && !may(access, 'read'))
      requireProvenEmail(who, 'open an invoice sent to it');
    if (action === 'client')
      throw new HttpError(
        may(access, 'read') ? 403 : 404,
        may(access, 'read') ? 'only the client pays online' : 'no such invoice',
      );
    authorize(access, action);
    return invoice;
  }

  const send = (ctx: Context, who: Principal, id: string, type: string, data: unknown) =>
    sendCommand(
      ctx,
      commands,
      commandFrom(ctx, who, { type, streamId: stream(id), data }),
      'process',
    );

  return routerOf(paymentsApi.operations, {
    async listInvoices(ctx) {
      const pid = idParam(ctx, 'pid', 'project');
      ctx.body = await listForCaller(db, pid, principal(ctx.state), {
        all: () => listInvoices(db, pid),
        addressedTo: (email) => listInvoices(db, pid, email),
      });
    },

    async getInvoice(ctx) {
      ctx.body = await invoiceFor(ctx, principal(ctx.state), 'read');
    },

    // A bank transfer, recorded by someone who manages the project (owner or team administrator).
    async recordPayment(ctx, input) {
      const who = principal(ctx.state);
      const invoice = await invoiceFor(ctx, who, 'share');
      if (await send(ctx, who, invoice.id, 'RecordManualPayment', { ...input, by: who.sub })) {
        ctx.status = 201;
        ctx.body = await findInvoice(db, invoice.id);
      }
    },

    async cancelInvoice(ctx, { reason }) {
      const who = principal(ctx.state);
      const invoice = await invoiceFor(ctx, who, 'share');
      if (await send(ctx, who, invoice.id, 'CancelInvoice', { by: who.sub, reason }))
        ctx.body = await findInvoice(db, invoice.id);
    },

    // The client pays with the provider: the answer carries what the frontend needs to confirm.
    async checkout(ctx) {
      const who = principal(ctx.state);
      const invoice = await invoiceFor(ctx, who, 'client');
      if (!online)
        throw new HttpError(404, 'online payment is not available: pay by bank transfer');
      const built = commandFrom(ctx, who, {
        type: 'StartCheckout',
        streamId: stream(invoice.id),
        data: { by: who.sub },
      });
      const outcome = await dispatchCommand(commands, built, 'process');
      if (!outcome)
        throw new HttpError(503, 'the payment provider did not answer in time; try again');
      if (outcome.status === 'rejected')
        throw new HttpError(outcome.code === 'conflict' ? 409 : 422, outcome.reason);
      ctx.status = 201;
      ctx.body = outcome.result;
    },
  });
}

/** A value from the provider's event, for a log line: what the signed body held, whatever its type. */
const clip = (value: unknown): string => String(value).slice(0, 200);

/**
 * The provider's webhook: no token, but a signature over the exact body. A verified event is
 * written to the log for the payment workflow and acknowledged to the provider at once.
 */
export function paymentWebhookRoutes(
  log: CommandPublisher,
  provider: PaymentProvider | null,
): Router {
  return routerOf(paymentWebhookApi.operations, {
    async stripeWebhook(ctx) {
      if (!provider) throw new HttpError(404, 'no payment provider is configured');
      let event;
      try {
        event = provider.parseWebhook(ctx.request.rawBody ?? '', ctx.get('Stripe-Signature'));
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'refused a webhook call');
        throw new HttpError(400, 'signature verification failed');
      }
      if (event.type === 'ignored' || !event.invoiceId) {
        ctx.body = { received: true };
        return;
      }
      const command = commandEnvelope(
        {
          id: newId(),
          type: 'ProviderNotification',
          streamId: stream(event.invoiceId),
          data:
            event.type === 'payment.succeeded'
              ? {
                  eventId: event.eventId,
                  outcome: 'succeeded',
                  paymentIntentId: event.paymentIntentId,
                  amount: event.amount,
                  currency: event.currency,
                }
              : {
                  eventId: event.eventId,
                  outcome: 'failed',
                  paymentIntentId: event.paymentIntentId,
                  amount: 0,
                  reason: event.reason,
                },
        },
        // The provider's event is the flow: its retries of one event correlate.
        { userId: null, correlationId: event.eventId },
      );
      // Signed, but about nothing we could have asked for (an invoice id or amount none of ours
      // has, a success of no money): the dispatcher would only park it. Acknowledged, so the provider does not send it for
      // days; what it held is in the log line.
      const problem =
        event.type === 'payment.succeeded' && !(event.amount >= 1)
          ? 'a succeeded payment of nothing'
          : checkCommand(command, 'process');
      if (problem) {
        logger.warn(
          {
            eventId: clip(event.eventId),
            invoiceId: clip(event.invoiceId),
            problem,
          },
          'ignored a webhook call about no payment of ours',
        );
        ctx.body = { received: true };
        return;
      }
      await log.sendCommand(command, 'process');
      ctx.body = { received: true };
    },
  });
}
