import { TEAM_CATEGORY } from '../../contracts/teams';
import type { ComponentDefinition } from '../../platform/decider';
import { teamDecider } from './teamDecider';

export const teamsComponent: ComponentDefinition = {
  context: 'teams',
  category: TEAM_CATEGORY,
  decider: teamDecider as unknown as ComponentDefinition['decider'],
};
