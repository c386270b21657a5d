import '../formats';
import { Type, type Static } from '@sinclair/typebox';

/** Users are keyed by a name-based UUID of their Auth0 subject: one subject, one stream. */
export const USER_CATEGORY = 'user';

const Name = Type.String({ maxLength: 100 });
const Picture = Type.String({ maxLength: 2048 });
const Locale = Type.String({ maxLength: 35 });

const profile = {
  firstName: Name,
  lastName: Name,
  picture: Picture,
  locale: Locale,
};

export const AddUser = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    auth0Id: Type.String({ minLength: 1, maxLength: 256 }),
    email: Type.String({ format: 'email' }),
    emailVerified: Type.Boolean(),
    ...profile,
  },
  { additionalProperties: false },
);
export type AddUser = Static<typeof AddUser>;

export const ModifyUser = Type.Object(
  {
    firstName: Type.Optional(Name),
    lastName: Type.Optional(Name),
    picture: Type.Optional(Picture),
    locale: Type.Optional(Locale),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type ModifyUser = Static<typeof ModifyUser>;

export const UserAdded = Type.Object(AddUser.properties, { additionalProperties: false });
export type UserAdded = Static<typeof UserAdded>;

export const UserModified = Type.Object(ModifyUser.properties, { additionalProperties: false, minProperties: 1 });
export type UserModified = Static<typeof UserModified>;

export const userCommands = { AddUser, ModifyUser };
export const userEvents = { UserAdded, UserModified };

export type IdentityCommand =
  | { type: 'AddUser'; data: AddUser }
  | { type: 'ModifyUser'; data: ModifyUser };
export type IdentityEvent =
  | { type: 'UserAdded'; data: UserAdded }
  | { type: 'UserModified'; data: UserModified };
