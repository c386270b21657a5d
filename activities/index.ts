import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Pool } from 'pg';
import { nameId } from '../contracts/ids';
import { depositOf } from '../components/estimation/totals';
import type { CommandPublisher } from '../platform/eventlog/reconnectingPublisher';
import { commandSender } from '../platform/outcomes/commandSender';
import { commandEnvelope } from '../platform/outcomes/commandEnvelope';
import type { OutcomeWaiter } from '../platform/outcomes/outcomes';
import type { Mailer } from '../platform/mail/port';
import { once } from '../platform/effects/once';
import type { EffectKey, EffectLedger } from '../platform/effects/port';
import { PaymentProviderError, type PaymentProvider } from '../platform/payments/port';
import { findEstimate } from '../projectors/estimation/estimateQueries';
import { renderNotice } from './notices';
import { noticeKey, paymentIntentKey, refundKey } from './effectKeys';
import type { InvoicePaymentInput } from '../workflows/payments/messages';
import type {
  Activities,
  EstimateTerms,
  InvoiceDraft,
  Notice,
  RecordRequest,
  RecordResult,
} from './types';

export interface ActivityDeps {
  log: CommandPublisher;
  outcomes: OutcomeWaiter;
  db: Pool;
  mailer: Mailer;
  /** What the steps did to the world: a retried or replayed step skips it. */
  effects: EffectLedger;
  provider: PaymentProvider | null;
  appUrl: string;
  /** Starts an invoice's payment process; starting one that exists (or existed) is not an error. */
  startPayment: (input: InvoicePaymentInput) => Promise<void>;
  /** How long one attempt waits for the component's decision before it fails and is retried. */
  outcomeWaitMs?: number;
}

/** How long a step waits for its command's announcement before it looks for an earlier outcome. */
const LATE_LOOKUP_MS = 300;

/** The workflow this activity serves: the stable root of every id it derives. */
function workflowId(): string {
  const id = Context.current().info.workflowExecution?.workflowId;
  if (!id) throw new Error('these activities run for workflows only');
  return id;
}

/** The step this attempt runs: the same on every attempt of it and on a replay. */
function stepPlace() {
  const { workflowExecution, activityId } = Context.current().info;
  if (!workflowExecution) throw new Error('these activities run for workflows only');
  return { workflowId: workflowExecution.workflowId, runId: workflowExecution.runId, activityId };
}

/**
 * An effect is held for as long as the attempt doing it may run: a second attempt within that
 * time is told to try later (it finds the effect done, or the first attempt dead), not to repeat it.
 */
const attemptMs = (): number => Context.current().info.startToCloseTimeoutMs || 10_000;

/**
 * The id of the command a step sends: the waiting request's when there is one, else named after
 * the workflow and the step, so every attempt of a step (and every run under the same workflow
 * id) sends the same command, and the component decides it once.
 */
export function stepCommandId(
  workflowId: string,
  r: Pick<RecordRequest, 'commandId' | 'step' | 'type'>,
): string {
  return r.commandId ?? nameId('workflow', workflowId, r.step ?? r.type);
}

export function createActivities(deps: ActivityDeps): Activities {
  // Within the activities' 10 s attempt, with room to report back.
  const waitMs = deps.outcomeWaitMs ?? 8_000;
  const commands = commandSender(deps.log, deps.outcomes, waitMs);

  /**
   * A workflow's events reach the log through the context's component, the category's only
   * writer: the command's id comes from the workflow, so however often this activity is retried
   * (the log down, the worker killed), the component decides it once and the views apply it once.
   */
  async function record(r: RecordRequest): Promise<RecordResult> {
    const wf = workflowId();
    const id = stepCommandId(wf, r);
    // The workflow is the flow every step's command belongs to.
    const command = commandEnvelope(
      { id, type: r.type, streamId: r.streamId, data: r.data, expectedVersion: r.expectedVersion },
      { userId: r.userId, correlationId: wf },
    );
    // Sent without looking first: a retried step's command that was decided before is ignored
    // by the component, and its outcome looked up once the answer is slow.
    const outcome = await commands.send(command, { lookAfterMs: LATE_LOOKUP_MS });
    if (!outcome) throw new Error(`no outcome for ${r.type} ${id} within ${waitMs} ms`);
    return outcome.status === 'accepted'
      ? { status: 'accepted', version: outcome.version }
      : { status: 'rejected', code: outcome.code, reason: outcome.reason };
  }

  /** A provider refusal that retrying cannot change ends the attempt for good (the workflow decides). */
  async function withProvider<T>(call: (p: PaymentProvider) => Promise<T>): Promise<T> {
    if (!deps.provider)
      throw ApplicationFailure.nonRetryable('online payment is not configured', 'invalid');
    try {
      return await call(deps.provider);
    } catch (err) {
      if (err instanceof PaymentProviderError && !err.retryable)
        throw ApplicationFailure.nonRetryable(err.message, 'invalid');
      throw err;
    }
  }

  /** Does an effect of this step once: a retried or replayed step gets what the first one did. */
  const effect = <T>(key: EffectKey, run: () => Promise<T>): Promise<T> =>
    once(deps.effects, key, attemptMs(), run);

  /**
   * Mails a notice once per key (`noticeKey`). A mail server gives no way to ask whether it got
   * a message, so a worker killed between the server's acceptance and the ledger's record sends
   * it again: at least once across a crash in that window, once otherwise.
   */
  async function send(notice: Notice): Promise<void> {
    await effect(noticeKey(notice, stepPlace()), () =>
      deps.mailer.send(renderNotice(notice, deps.appUrl)),
    );
  }

  /**
   * The terms of runs started before the process carried them, read from the estimate as it was
   * sent (it cannot change since). The one view an activity still reads: remove it once no
   * approval started before then can be open (they expire at most five years after their send).
   */
  async function legacyTerms(estimateId: string): Promise<EstimateTerms> {
    const found = await findEstimate(deps.db, estimateId);
    if (!found) throw new Error(`estimate ${estimateId} is not in the views yet`);
    const { projectId, clientEmail, currency, totals, depositPercent } = found.estimate;
    // A sent estimate has one: without it the views have not applied the send yet (the step is retried).
    if (clientEmail === null)
      throw new Error(`estimate ${estimateId} has no client email in the views yet`);
    return { projectId, clientEmail, currency, total: totals.total, depositPercent };
  }

  return {
    record,

    async issueInvoice({ estimateId, dueInMs, userId }) {
      // Due from when the step was first scheduled, the same on every attempt: a retry after the
      // invoice was issued names the due date it was issued with.
      const draft = invoiceDraft(
        estimateId,
        await legacyTerms(estimateId),
        new Date(Context.current().info.scheduledTimestampMs + dueInMs),
      );
      const result = await record({
        streamId: `invoice-${draft.invoiceId}`,
        type: 'IssueInvoice',
        data: draft,
        userId,
        step: 'invoice',
      });
      if (result.status === 'rejected' && result.code !== 'already_exists')
        throw new Error(`invoice refused: ${result.reason}`);
      return draft;
    },

    async approveAndInvoice({ approval, invoice: o }) {
      const approved = await record(approval);
      // The component's word is the last: an approval it refuses gets no invoice.
      if (approved.status === 'rejected') return { approved, invoice: null };
      // Due from the approval's own time: a retried attempt starts (or finds) the same process
      // with the same invoice.
      const draft = invoiceDraft(
        o.estimateId,
        o.terms ?? (await legacyTerms(o.estimateId)),
        new Date(Date.parse(o.approvedAt) + o.dueInMs),
      );
      // A deposit that rounds to nothing (1% of a few cents) is nothing to pay: no invoice, no process.
      if (draft.amount <= 0) return { approved, invoice: null };
      await deps.startPayment({
        ...draft,
        reminderEveryMs: o.reminderEveryMs,
        issuedBy: o.sentBy,
        announced: true,
      });
      // Issued once its process runs: whoever sees the invoice can pay it at once.
      const result = await record({
        streamId: `invoice-${draft.invoiceId}`,
        type: 'IssueInvoice',
        data: draft,
        userId: o.approvedBy,
        step: 'invoice',
      });
      if (result.status === 'rejected' && result.code !== 'already_exists')
        throw new Error(`invoice refused: ${result.reason}`);
      // Told once it can be seen: the link in the email opens it.
      await send({
        template: 'invoice-issued',
        to: draft.clientEmail,
        params: {
          invoiceId: draft.invoiceId,
          amount: draft.amount,
          currency: draft.currency,
          dueAt: draft.dueAt,
        },
      });
      return { approved, invoice: draft };
    },

    async recordThenNotify(request, notice) {
      const result = await record(request);
      if (result.status === 'accepted') await send(notice);
      return result;
    },

    notify: send,

    // Recorded with their results: a retry answers what the provider answered, without asking it
    // again; the provider's idempotency key stays a second guard (for the window before the record).
    createPaymentIntent: (input) =>
      withProvider((p) =>
        effect(paymentIntentKey(input.idempotencyKey), async () => {
          const intent = await p.createIntent(input);
          return { id: intent.id, clientSecret: intent.clientSecret };
        }),
      ),

    refund: (input) =>
      withProvider((p) =>
        effect(refundKey(input.idempotencyKey), async () => ({ id: (await p.refund(input)).id })),
      ),
  };
}

/** The invoice an approved estimate gets: the full amount or the deposit, to the client it was sent to. */
export function invoiceDraft(estimateId: string, terms: EstimateTerms, dueAt: Date): InvoiceDraft {
  return {
    invoiceId: nameId('invoice', estimateId),
    estimateId,
    projectId: terms.projectId,
    currency: terms.currency,
    amount: depositOf(terms.total, terms.depositPercent),
    kind: terms.depositPercent === 100 ? 'full' : 'deposit',
    dueAt: dueAt.toISOString(),
    clientEmail: terms.clientEmail,
  };
}
