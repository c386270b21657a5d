import { PROJECT_CATEGORY } from '../../contracts/projects';
import type { ComponentDefinition } from '../../platform/decider';
import { boardDecider } from './boardDecider';

export const projectsComponent: ComponentDefinition = {
  context: 'projects',
  category: PROJECT_CATEGORY,
  decider: boardDecider as unknown as ComponentDefinition['decider'],
};
