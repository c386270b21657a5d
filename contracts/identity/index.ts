import { Type, type Static } from '@sinclair/typebox';
import { Email, HttpsUrl, Id, Sub, Text } from '../formats';

/** Users are keyed by a name-based UUID of their Auth0 subject: one subject, one stream. */
export const USER_CATEGORY = 'user';

const Name = Text({ maxLength: 100 });
/** A new picture must be an https URL (never `javascript:`); empty means none. */
const Picture = Type.Union([Type.Literal(''), HttpsUrl]);
/** Profiles recorded before that rule may hold other text, and stay readable as they were. */
const RecordedPicture = Text({ maxLength: 2048 });
const Locale = Text({ maxLength: 35, pattern: '^[A-Za-z0-9_-]*$' });

const profile = {
  firstName: Name,
  lastName: Name,
  picture: Picture,
  locale: Locale,
};

export const AddUser = Type.Object(
  {
    id: Id,
    auth0Id: Sub,
    email: Email,
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

export const UserAdded = Type.Object(
  { ...AddUser.properties, picture: RecordedPicture },
  { additionalProperties: false },
);
export type UserAdded = Static<typeof UserAdded>;

export const UserModified = Type.Object(
  { ...ModifyUser.properties, picture: Type.Optional(RecordedPicture) },
  { additionalProperties: false, minProperties: 1 },
);
export type UserModified = Static<typeof UserModified>;

export const userCommands = { AddUser, ModifyUser };
export const userEvents = { UserAdded, UserModified };

export type IdentityCommand =
  { type: 'AddUser'; data: AddUser } | { type: 'ModifyUser'; data: ModifyUser };
export type IdentityEvent =
  { type: 'UserAdded'; data: UserAdded } | { type: 'UserModified'; data: UserModified };
