import { defineQuery, defineUpdate } from '@temporalio/workflow';

export interface EstimateDecision {
  decision: 'approve' | 'reject' | 'withdraw';
  by: string;
  email: string | null;
  reason?: string;
  /** The process command's id: the request waiting for this decision waits on it. */
  commandId: string;
  /**
   * When the decision was made (the command's timestamp): the same however often the step that
   * acts on it runs, where the workflow's clock is the time of the task that runs it.
   */
  at?: string;
}

export const decideEstimate = defineUpdate<string, [EstimateDecision]>('decide');
export const estimateState = defineQuery<string>('state');

export interface EstimateApprovalInput {
  estimateId: string;
  projectId: string;
  clientEmail: string;
  sentBy: string;
  sendCommandId: string;
  /** Absolute times, so a test can make them seconds away on the real server. */
  expiresAt: string;
  reminderAt: string | null;
  invoice: { dueInMs: number; reminderEveryMs: number };
  title: string;
  /**
   * What the client is asked to approve, as the dispatcher read it from the draft at version
   * `draftVersion`: the send is recorded only if the draft is still at that version, so the
   * approval's invoice can be computed from these and from nothing else. Absent from runs started
   * before it was carried: their invoice is read from the estimate as it was sent.
   */
  terms?: { currency: string; total: number; depositPercent: number; draftVersion: number };
}

export type ApprovalResult = 'approved' | 'rejected' | 'expired' | 'withdrawn' | 'refused';
