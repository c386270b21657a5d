import { Type, type Static } from '@sinclair/typebox';
import { AddUser, ModifyUser, UserAdded } from '../identity';
import { Instant } from '../formats';
import { Pending, type ApiSection } from './operation';

/** The user as the frontend reads it: the profile as recorded, with its times. */
export const User = Type.Object(
  { ...UserAdded.properties, createdAt: Instant, updatedAt: Instant },
  { additionalProperties: false },
);
export type User = Static<typeof User>;

/** The frontend's registration body: the user's profile as Auth0 gave it. */
const { id: _id, ...registration } = AddUser.properties;
export const RegisterBody = Type.Object(registration, { additionalProperties: false });

export const identityApi = {
  tag: 'identity',
  description: 'The caller’s own profile: registration and changes.',
  params: {},
  schemas: { User, RegisterBody, ModifyUser },
  operations: {
    getMe: {
      method: 'get',
      path: '/users/me',
      summary: 'The caller’s profile',
      description:
        'The frontend reads a 404 (its status line `404 Not Found`) as "not registered yet" and registers.',
      responses: { 200: { description: 'The caller.', body: User, headers: { ETag: true } } },
      errors: { 404: 'The caller has not registered yet.' },
    },
    register: {
      method: 'post',
      path: '/users',
      summary: 'Register the caller',
      description:
        '`auth0Id` must be the token’s subject, and `email` the token’s email where it has one; `emailVerified` is taken from the token, never from the body. The user is readable as soon as this answers.',
      body: RegisterBody,
      command: {},
      responses: {
        201: { description: 'Registered.', body: User, headers: { ETag: true } },
        202: {
          description:
            'Already registered (the user as it is), or the registration’s outcome was not visible in time (pending, with its Location).',
          body: Type.Union([User, Pending]),
          headers: { Location: false },
        },
      },
      errors: { 403: '`auth0Id` is not the token’s subject, or `email` is not the token’s.' },
    },
    modifyMe: {
      method: 'patch',
      path: '/users/me',
      summary: 'Change the caller’s profile',
      body: ModifyUser,
      command: { versioned: true },
      responses: {
        200: { description: 'The changed profile.', body: User, headers: { ETag: true } },
      },
    },
  },
} satisfies ApiSection;
