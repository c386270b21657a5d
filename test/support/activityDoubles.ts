import { activityInfo } from '@temporalio/activity';
import { stepCommandId } from '../../activities';
import type { Activities, InvoiceDraft, RecordRequest } from '../../activities/types';

export type ActivityName = keyof Activities;

/** One call of an activity, as the worker ran it. */
export interface ActivityCall {
  name: ActivityName;
  args: unknown[];
  workflowId: string;
  attempt: number;
  /** Run as a local activity (inside the workflow task) or as an ordinary one. */
  local: boolean;
  /** For the steps that send a command: its id, derived as the real activity derives it. */
  commandId?: string;
  at: number;
}

/** What a test makes an activity do for one workflow, instead of the canned answer. */
export type Script = { [K in ActivityName]?: Activities[K] };

const requestOf = (name: ActivityName, args: unknown[]): RecordRequest | undefined => {
  if (name === 'record' || name === 'recordThenNotify') return args[0] as RecordRequest;
  if (name === 'approveAndInvoice') return (args[0] as { approval: RecordRequest }).approval;
  return undefined;
};

/** The invoice an approval would issue, for the canned `approveAndInvoice` and `issueInvoice`. */
export const draftFor = (estimateId: string, dueAt: string): InvoiceDraft => ({
  invoiceId: `inv-${estimateId}`,
  estimateId,
  projectId: 'project-1',
  amount: 10_000,
  currency: 'EUR',
  clientEmail: 'client@example.com',
  dueAt,
  kind: 'deposit',
});

/**
 * Test doubles for every activity, shared by a suite's one worker: each call is recorded under its
 * workflow's id and answered as the real activity would answer a healthy world (commands
 * accepted, mail sent, the provider's answers keyed by idempotency key, as a provider's are),
 * unless the test scripted something else for that workflow.
 */
export class ActivityDoubles {
  private readonly all: ActivityCall[] = [];
  private readonly scripts = new Map<string, Script>();
  private version = 0;

  script(workflowId: string, script: Script): void {
    this.scripts.set(workflowId, { ...this.scripts.get(workflowId), ...script });
  }

  calls(workflowId: string, name?: ActivityName): ActivityCall[] {
    return this.all.filter((c) => c.workflowId === workflowId && (!name || c.name === name));
  }

  /** The commands a workflow sent, in order, one per attempt: `[type, command id]`. */
  commands(workflowId: string): Array<[string, string]> {
    return this.calls(workflowId)
      .filter((c) => c.commandId)
      .map((c) => [requestOf(c.name, c.args)!.type, c.commandId!]);
  }

  readonly activities: Activities = {
    record: (...args) =>
      this.call('record', args, async () => ({ status: 'accepted', version: ++this.version })),
    recordThenNotify: (...args) =>
      this.call('recordThenNotify', args, async () => ({
        status: 'accepted',
        version: ++this.version,
      })),
    notify: (...args) => this.call('notify', args, async () => undefined),
    issueInvoice: (...args) =>
      this.call('issueInvoice', args, async ({ estimateId, dueInMs }) =>
        draftFor(estimateId, new Date(Date.now() + dueInMs).toISOString()),
      ),
    approveAndInvoice: (...args) =>
      this.call('approveAndInvoice', args, async ({ invoice: o }) => ({
        approved: { status: 'accepted', version: ++this.version },
        invoice: draftFor(
          o.estimateId,
          new Date(Date.parse(o.approvedAt) + o.dueInMs).toISOString(),
        ),
      })),
    createPaymentIntent: (...args) =>
      this.call('createPaymentIntent', args, async ({ idempotencyKey }) => ({
        id: `pi_${idempotencyKey}`,
        clientSecret: `pi_${idempotencyKey}_secret`,
      })),
    refund: (...args) =>
      this.call('refund', args, async ({ idempotencyKey }) => ({ id: `re_${idempotencyKey}` })),
  };

  private call<K extends ActivityName>(
    name: K,
    args: Parameters<Activities[K]>,
    canned: Activities[K],
  ): ReturnType<Activities[K]> {
    const info = activityInfo();
    const workflowId = info.workflowExecution!.workflowId;
    const request = requestOf(name, args);
    this.all.push({
      name,
      args,
      workflowId,
      attempt: info.attempt,
      local: info.isLocal,
      at: Date.now(),
      ...(request ? { commandId: stepCommandId(workflowId, request) } : {}),
    });
    const fn = (this.scripts.get(workflowId)?.[name] ?? canned) as (
      ...a: Parameters<Activities[K]>
    ) => ReturnType<Activities[K]>;
    return fn(...args);
  }
}
