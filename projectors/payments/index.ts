export { invoicesProjection } from './invoicesProjection';
