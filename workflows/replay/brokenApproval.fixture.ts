// A deliberately incompatible change of estimateApproval (it emails the client before recording
// that the estimate was sent): the replay test shows that recorded histories catch such changes.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/types';
import type { ApprovalResult, EstimateApprovalInput } from '../estimation/messages';

const { record, notify } = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds' });

export async function estimateApproval(input: EstimateApprovalInput): Promise<ApprovalResult> {
  await notify({
    template: 'estimate-sent',
    to: input.clientEmail,
    params: { title: input.title, estimateId: input.estimateId, expiresAt: input.expiresAt },
  });
  await record({
    streamId: `estimate-${input.estimateId}`,
    type: 'RecordEstimateSent',
    data: { clientEmail: input.clientEmail, expiresAt: input.expiresAt, sentBy: input.sentBy },
    userId: null,
    commandId: input.sendCommandId,
  });
  return 'approved';
}
