import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** The dev stack registers these (scripts/dev-stack.sh); operators filter the Temporal UI by them. */
export const ESTIMATE_ID = defineSearchAttributeKey('EstimateId', SearchAttributeType.KEYWORD);
export const INVOICE_ID = defineSearchAttributeKey('InvoiceId', SearchAttributeType.KEYWORD);
export const PROJECT_ID = defineSearchAttributeKey('ProjectId', SearchAttributeType.KEYWORD);
