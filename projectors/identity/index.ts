export { usersProjection as identityProjection } from './usersProjection';
