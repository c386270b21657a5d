export { estimatesProjection } from './estimatesProjection';
