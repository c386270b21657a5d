export { boardsProjection as projectsProjection } from './boardsProjection';
export { teamAccessProjection } from './teamAccessProjection';
