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
}

export type ApprovalResult = 'approved' | 'rejected' | 'expired' | 'withdrawn' | 'refused';
