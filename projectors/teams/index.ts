export { teamsProjection } from './teamsProjection';
