import { ESTIMATE_CATEGORY } from '../../contracts/estimation';
import type { ComponentDefinition } from '../../platform/decider';
import { estimateDecider } from './estimateDecider';

export const estimationComponent: ComponentDefinition = {
  context: 'estimation',
  category: ESTIMATE_CATEGORY,
  decider: estimateDecider as unknown as ComponentDefinition['decider'],
};
