import {
  patched,
  proxyActivities,
  proxyLocalActivities,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { Activities } from '../activities/types';

/**
 * Recording an event, issuing an invoice and sending a notice are short, idempotent calls (our
 * own components, and the mail server), so they run as local activities: in the worker, inside
 * the workflow task that asked for them, with one marker in the history instead of a
 * schedule/start/complete round trip through the server each. That was most of Temporal's cost
 * per approval (docs/benchmarks.md). A worker that dies during one: the task times out on the
 * server (10 s) and the next worker runs the step again.
 *
 * Runs started before this change recorded those steps as ordinary activities; they keep doing
 * so until they end (their histories say which, through the patch marker), and the replay test
 * holds both shapes.
 */
export const LOCAL_STEPS = 'local-steps';

type Steps = Pick<
  Activities,
  'record' | 'notify' | 'recordThenNotify' | 'approveAndInvoice' | 'issueInvoice'
>;

// Short attempts: an ordinary activity lost with a dead worker is retried elsewhere within seconds.
const retry = {
  initialInterval: '200 ms',
  backoffCoefficient: 2,
  maximumInterval: '10 seconds',
} as const;
const remote: ActivityOptions = { startToCloseTimeout: '10 seconds', retry };
const local: LocalActivityOptions = { startToCloseTimeout: '10 seconds', retry };

/** The step after a charge: if it fails for good, the charge is given back (few, longer attempts). */
const confirmationRetry = {
  initialInterval: '200 ms',
  maximumInterval: '2 seconds',
  maximumAttempts: 3,
} as const;

/** A process's steps, chosen once at its start: the same choice on every replay of it. */
export function processSteps(): {
  local: boolean;
  steps: Steps;
  confirmation: Pick<Activities, 'notify'>;
} {
  if (patched(LOCAL_STEPS)) {
    return {
      local: true,
      steps: proxyLocalActivities<Activities>(local),
      confirmation: proxyLocalActivities<Activities>({
        startToCloseTimeout: '20 seconds',
        retry: confirmationRetry,
      }),
    };
  }
  return {
    local: false,
    steps: proxyActivities<Activities>(remote),
    confirmation: proxyActivities<Activities>({
      startToCloseTimeout: '20 seconds',
      retry: confirmationRetry,
    }),
  };
}

/** Calls to the payment provider stay ordinary activities: someone else's service, visible in the UI as such. */
export const providerCalls = (): Pick<Activities, 'createPaymentIntent' | 'refund'> =>
  proxyActivities<Activities>(remote);
