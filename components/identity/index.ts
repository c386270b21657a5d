import { USER_CATEGORY } from '../../contracts/identity';
import type { ComponentDefinition } from '../../platform/decider';
import { userDecider } from './userDecider';

export const identityComponent: ComponentDefinition = {
  context: 'identity',
  category: USER_CATEGORY,
  decider: userDecider as ComponentDefinition['decider'],
};
