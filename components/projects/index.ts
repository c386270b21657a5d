import { PROJECT_CATEGORY } from '../../contracts/projects';
import type { ComponentDefinition } from '../../platform/decider';
import { boardDecider } from './boardDecider';
import { teamAccess } from './teamAccess';

export const projectsComponent: ComponentDefinition = {
  context: 'projects',
  category: PROJECT_CATEGORY,
  decider: boardDecider,
  reference: teamAccess,
};
