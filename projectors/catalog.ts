import type { Projection } from '../platform/hosts/projectorHost';
import { identityProjection } from './identity';
import { projectsProjection, teamAccessProjection } from './projects';
import { teamsProjection } from './teams';
import { estimatesProjection } from './estimation';
import { invoicesProjection } from './payments';

/** Every context's projections: what its projector role runs and what a rebuild replays. */
export const PROJECTIONS: Record<string, Projection[]> = {
  identity: [identityProjection],
  projects: [projectsProjection, teamAccessProjection],
  teams: [teamsProjection],
  estimation: [estimatesProjection],
  payments: [invoicesProjection],
};

/** How many projections apply a category's events: its commands' outcomes wait for all of them. */
export const outcomeQuorum = (category: string): number =>
  Object.values(PROJECTIONS)
    .flat()
    .filter((p) => p.category === category).length;
