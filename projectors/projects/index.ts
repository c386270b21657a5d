export { boardsProjection as projectsProjection } from './boardsProjection';
