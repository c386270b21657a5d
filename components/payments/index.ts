import { INVOICE_CATEGORY } from '../../contracts/payments';
import type { ComponentDefinition } from '../../platform/decider';
import { invoiceDecider } from './invoiceDecider';

export const paymentsComponent: ComponentDefinition = {
  context: 'payments',
  category: INVOICE_CATEGORY,
  decider: invoiceDecider as unknown as ComponentDefinition['decider'],
};
