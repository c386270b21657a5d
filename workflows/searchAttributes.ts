import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** The dev stack registers these (scripts/stack.ts); operators filter the Temporal UI by them. */
export const ESTIMATE_ID = defineSearchAttributeKey('EstimateId', SearchAttributeType.KEYWORD);
export const INVOICE_ID = defineSearchAttributeKey('InvoiceId', SearchAttributeType.KEYWORD);
export const PROJECT_ID = defineSearchAttributeKey('ProjectId', SearchAttributeType.KEYWORD);

/** Every one of them, for the namespaces the dev stack makes. */
export const SEARCH_ATTRIBUTES = [ESTIMATE_ID, INVOICE_ID, PROJECT_ID];
