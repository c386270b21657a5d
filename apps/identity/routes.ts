import Router from '@koa/router';
import { Type } from '@sinclair/typebox';
import type { Pool } from 'pg';
import { AddUser, ModifyUser, USER_CATEGORY } from '../../contracts/identity';
import { principal } from '../../platform/auth/jwt';
import type { CommandSender } from '../../platform/outcomes/commandSender';
import {
  answerPending,
  commandFrom,
  dispatchCommand,
  etag,
  expectedVersionFrom,
  rejectionError,
} from '../../platform/http/commands';
import { HttpError } from '../../platform/http/errors';
import { refuseWhileRepairing } from '../../platform/http/repairing';
import { nameId } from '../../platform/ids';
import { validate } from '../../platform/validation';
import { findUserByAuth0Id, findUserById } from '../../projectors/identity/usersView';

/** The frontend's registration body: the user's profile as Auth0 gave it. */
const RegisterBody = Type.Object(
  Object.fromEntries(Object.entries(AddUser.properties).filter(([k]) => k !== 'id')) as Omit<
    typeof AddUser.properties,
    'id'
  >,
  { additionalProperties: false },
);

/** One Auth0 subject is one user, whichever instance or retry registers it. */
export const userIdOf = (sub: string): string => nameId('user', sub);
const userStream = (id: string): string => `${USER_CATEGORY}-${id}`;

export function identityRoutes(db: Pool, commands: CommandSender): Router {
  const router = new Router();

  router.get('/users/me', async (ctx) => {
    const who = principal(ctx.state);
    refuseWhileRepairing(db, userStream(userIdOf(who.sub)), 'user');
    const found = await findUserByAuth0Id(db, who.sub);
    if (!found) throw new HttpError(404, 'user is not registered');
    ctx.set('ETag', etag(found.version));
    ctx.body = found.user;
  });

  router.post('/users', async (ctx) => {
    const who = principal(ctx.state);
    const body = validate(RegisterBody, ctx.request.json);
    if (!body.ok) throw new HttpError(400, body.error);
    if (body.value.auth0Id !== who.sub)
      throw new HttpError(403, 'auth0Id must be the subject of your token');
    // Invitations will match people by email: where the token vouches for it, the body may not differ.
    if (who.email !== null && who.email.toLowerCase() !== body.value.email.toLowerCase()) {
      throw new HttpError(403, 'email must be the one in your token');
    }
    // The profile says verified only when the token proves this very address; the body cannot.
    body.value.emailVerified =
      who.verifiedEmail !== null && who.verifiedEmail === body.value.email.toLowerCase();
    const id = userIdOf(who.sub);
    const existing = await findUserById(db, id);
    if (existing) {
      ctx.status = 202;
      ctx.body = existing.user;
      return;
    }
    const built = commandFrom(ctx, who, {
      type: 'AddUser',
      streamId: userStream(id),
      data: { id, ...body.value },
    });
    const { command } = built;
    const outcome = await dispatchCommand(commands, built);
    if (!outcome) {
      answerPending(ctx, command.id);
      return;
    }
    if (outcome.status === 'rejected' && outcome.code !== 'already_exists')
      throw rejectionError(outcome);
    const user = await findUserById(db, id);
    if (!user) {
      answerPending(ctx, command.id);
      return;
    }
    // Twenty registrations at once: one is decided first, the others learn it already existed.
    ctx.status = outcome.status === 'accepted' ? 201 : 202;
    ctx.set('ETag', etag(user.version));
    ctx.body = user.user;
  });

  router.patch('/users/me', async (ctx) => {
    const who = principal(ctx.state);
    refuseWhileRepairing(db, userStream(userIdOf(who.sub)), 'user');
    const body = validate(ModifyUser, ctx.request.json);
    if (!body.ok) throw new HttpError(400, body.error);
    const id = userIdOf(who.sub);
    const built = commandFrom(ctx, who, {
      type: 'ModifyUser',
      streamId: userStream(id),
      data: body.value,
      expectedVersion: expectedVersionFrom(ctx),
    });
    const { command } = built;
    const outcome = await dispatchCommand(commands, built);
    if (!outcome) {
      answerPending(ctx, command.id);
      return;
    }
    if (outcome.status === 'rejected') throw rejectionError(outcome);
    const user = await findUserById(db, id);
    if (!user) {
      answerPending(ctx, command.id);
      return;
    }
    ctx.set('ETag', etag(user.version));
    ctx.body = user.user;
  });

  return router;
}
