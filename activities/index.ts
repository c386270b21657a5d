import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Pool } from 'pg';
import type { CommandEnvelope } from '../contracts/envelope';
import { nameId } from '../contracts/ids';
import { depositOf } from '../components/estimation/totals';
import type { CommandPublisher } from '../platform/eventlog/reconnectingPublisher';
import type { OutcomeWaiter } from '../platform/hosting/outcomes';
import type { Mailer } from '../platform/mail/port';
import { PaymentProviderError, type PaymentProvider } from '../platform/payments/port';
import { findEstimate } from '../projectors/estimation/estimateQueries';
import { renderNotice } from './notices';
import type { Activities, RecordRequest, RecordResult } from './types';

export interface ActivityDeps {
  log: CommandPublisher;
  outcomes: OutcomeWaiter;
  db: Pool;
  mailer: Mailer;
  provider: PaymentProvider | null;
  appUrl: string;
  /** How long one attempt waits for the component's decision before it fails and is retried. */
  outcomeWaitMs?: number;
}

/** The workflow this activity serves: the stable root of every id it derives. */
function workflowId(): string {
  const id = Context.current().info.workflowExecution?.workflowId;
  if (!id) throw new Error('these activities run for workflows only');
  return id;
}

export function createActivities(deps: ActivityDeps): Activities {
  // Within the activities' 10 s attempt, with room to report back.
  const waitMs = deps.outcomeWaitMs ?? 8_000;

  /**
   * A workflow's events reach the log through the context's component, the category's only
   * writer: the command's id comes from the workflow, so however often this activity is retried
   * (the log down, the worker killed), the component decides it once and the views apply it once.
   */
  async function record(r: RecordRequest): Promise<RecordResult> {
    const wf = workflowId();
    const id = r.commandId ?? nameId('workflow', wf, r.step ?? r.type);
    const command: CommandEnvelope = {
      id,
      type: r.type,
      streamId: r.streamId,
      expectedVersion: null,
      data: r.data,
      metadata: { traceId: id.replace(/-/g, ''), correlationId: wf, causationId: null, userId: r.userId, timestamp: new Date().toISOString() },
    };
    const pending = deps.outcomes.expect(id, waitMs);
    const earlier = await deps.outcomes.find(id);
    if (!earlier) await deps.log.sendCommand(command);
    const outcome = earlier ?? (await pending.outcome);
    pending.cancel();
    if (!outcome) throw new Error(`no outcome for ${r.type} ${id} within ${waitMs} ms`);
    return outcome.status === 'accepted' ? { status: 'accepted', version: outcome.version } : { status: 'rejected', code: outcome.code, reason: outcome.reason };
  }

  /** A provider refusal that retrying cannot change ends the attempt for good (the workflow decides). */
  async function withProvider<T>(call: (p: PaymentProvider) => Promise<T>): Promise<T> {
    if (!deps.provider) throw ApplicationFailure.nonRetryable('online payment is not configured', 'invalid');
    try {
      return await call(deps.provider);
    } catch (err) {
      if (err instanceof PaymentProviderError && !err.retryable) throw ApplicationFailure.nonRetryable(err.message, 'invalid');
      throw err;
    }
  }

  return {
    record,

    async issueInvoice({ estimateId, dueInMs, userId }) {
      const found = await findEstimate(deps.db, estimateId);
      if (!found) throw new Error(`estimate ${estimateId} is not in the views yet`);
      const e = found.estimate;
      const invoiceId = nameId('invoice', estimateId);
      const amount = depositOf(e.totals.total, e.depositPercent);
      const draft = {
        invoiceId,
        estimateId,
        projectId: e.projectId,
        currency: e.currency,
        amount,
        kind: e.depositPercent === 100 ? ('full' as const) : ('deposit' as const),
        dueAt: new Date(Date.now() + dueInMs).toISOString(),
        clientEmail: e.clientEmail!,
      };
      const previous = await deps.outcomes.find(nameId('workflow', workflowId(), 'invoice'));
      // A retry after the invoice was issued must not move its due date: reuse what was recorded.
      const result = await record({ category: 'invoice', streamId: `invoice-${invoiceId}`, type: 'IssueInvoice', data: draft, userId, step: 'invoice' });
      if (result.status === 'rejected' && result.code !== 'already_exists') throw new Error(`invoice refused: ${result.reason}`);
      if (previous || result.status === 'rejected') {
        const issued = await deps.db.query('SELECT due_at FROM payments.invoices WHERE id = $1', [invoiceId]);
        if (issued.rows[0]) draft.dueAt = (issued.rows[0].due_at as Date).toISOString();
      }
      return draft;
    },

    async notify(notice) {
      await deps.mailer.send(renderNotice(notice, deps.appUrl));
    },

    async createPaymentIntent(input) {
      const intent = await withProvider((p) => p.createIntent(input));
      return { id: intent.id, clientSecret: intent.clientSecret };
    },

    async refund(input) {
      return { id: (await withProvider((p) => p.refund(input))).id };
    },
  };
}
