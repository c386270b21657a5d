import type Router from '@koa/router';
import type { Pool } from 'pg';
import { USER_CATEGORY } from '../../contracts/identity';
import { identityApi } from '../../contracts/http/identity';
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
import { routerOf } from '../../platform/http/routeTable';
import { nameId } from '../../platform/ids';
import { findUserByAuth0Id, findUserById } from '../../projectors/identity/usersView';

/** One Auth0 subject is one user, whichever instance or retry registers it. */
export const userIdOf = (sub: string): string => nameId('user', sub);
const userStream = (id: string): string => `${USER_CATEGORY}-${id}`;

export function identityRoutes(db: Pool, commands: CommandSender): Router {
  return routerOf(identityApi.operations, {
    async getMe(ctx) {
      const who = principal(ctx.state);
      refuseWhileRepairing(db, userStream(userIdOf(who.sub)), 'user');
      const found = await findUserByAuth0Id(db, who.sub);
      if (!found) throw new HttpError(404, 'user is not registered');
      ctx.set('ETag', etag(found.version));
      ctx.body = found.user;
    },

    async register(ctx, body) {
      const who = principal(ctx.state);
      if (body.auth0Id !== who.sub)
        throw new HttpError(403, 'auth0Id must be the subject of your token');
      // Invitations will match people by email: where the token vouches for it, the body may not differ.
      if (who.email !== null && who.email.toLowerCase() !== body.email.toLowerCase()) {
        throw new HttpError(403, 'email must be the one in your token');
      }
      // The profile says verified only when the token proves this very address; the body cannot.
      body.emailVerified =
        who.verifiedEmail !== null && who.verifiedEmail === body.email.toLowerCase();
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
        data: { id, ...body },
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
    },

    async modifyMe(ctx, body) {
      const who = principal(ctx.state);
      refuseWhileRepairing(db, userStream(userIdOf(who.sub)), 'user');
      const id = userIdOf(who.sub);
      const built = commandFrom(ctx, who, {
        type: 'ModifyUser',
        streamId: userStream(id),
        data: body,
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
    },
  });
}
