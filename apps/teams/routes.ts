import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Pool } from 'pg';
import { PROJECT_CATEGORY } from '../../contracts/projects';
import { projectShareCommandId, TEAM_CATEGORY } from '../../contracts/teams';
import { teamsApi } from '../../contracts/http/teams';
import { principal, type Principal } from '../../platform/auth/jwt';
import type { CommandSender } from '../../platform/outcomes/commandSender';
import {
  answerPending,
  commandFrom,
  dispatchCommand,
  rejectionError,
  sendCommand,
} from '../../platform/http/commands';
import { HttpError } from '../../platform/http/errors';
import { refuseWhileRepairing } from '../../platform/http/repairing';
import { idParam } from '../../platform/http/request';
import { routerOf } from '../../platform/http/routeTable';
import { nameId, newId } from '../../platform/ids';
import { requireProvenEmail } from '../identity/callerEmail';
import { findProject } from '../../projectors/projects/boardQueries';
import {
  findInvite,
  findTeam,
  invitesFor,
  listMembers,
  listTeams,
  openInvites,
  roleIn,
} from '../../projectors/teams/teamQueries';
import { may } from '../projects/permissions';

const userIdOf = (sub: string) => nameId('user', sub);
const teamStream = (id: string) => `${TEAM_CATEGORY}-${id}`;

export interface TeamsSettings {
  inviteTtlMs: number;
  /** How long a request waits, in all, for the outcomes it shows (WRITE_WAIT_MS). */
  writeWaitMs: number;
}

export function teamsRoutes(db: Pool, commands: CommandSender, settings: TeamsSettings): Router {
  /** The team, if the caller belongs to it (404 otherwise), and the caller's role. */
  async function membership(ctx: Context, who: Principal) {
    const teamId = idParam(ctx, 'tid', 'team');
    refuseWhileRepairing(db, teamStream(teamId), 'team');
    const role = await roleIn(db, teamId, who.sub);
    const team = role ? await findTeam(db, teamId) : null;
    if (!team || !role) throw new HttpError(404, 'no such team');
    return { team, role };
  }

  function administrator(role: string): void {
    if (role !== 'administrator')
      throw new HttpError(403, 'only administrators of the team may do this');
  }

  const send = (ctx: Context, who: Principal, streamId: string, type: string, data: unknown) =>
    sendCommand(ctx, commands, commandFrom(ctx, who, { type, streamId, data }));

  /**
   * Sharing a board: its owner or an administrator of the team it is shared with now. A hint, so
   * the caller hears it before anything is sent; the board decider owns the rule.
   */
  async function mayShare(projectId: string, who: Principal): Promise<void> {
    // Sharing writes to the board's stream, which must not be built on while it is repaired.
    refuseWhileRepairing(db, `${PROJECT_CATEGORY}-${projectId}`, 'project');
    const project = await findProject(db, projectId, who.sub);
    if (!project || project.access === null) throw new HttpError(404, 'no such project');
    if (!may(project.access, 'share'))
      throw new HttpError(403, `your role (${project.access}) may not share this project`);
  }

  const assign = (ctx: Context, who: Principal, projectId: string, teamId: string) =>
    send(ctx, who, `${PROJECT_CATEGORY}-${projectId}`, 'ModifyProject', { teamId });

  return routerOf(teamsApi.operations, {
    async listTeams(ctx) {
      ctx.body = await listTeams(db, principal(ctx.state).sub);
    },

    async listInvites(ctx) {
      const who = principal(ctx.state);
      const email = requireProvenEmail(who, 'see the invitations sent to it');
      ctx.body = await invitesFor(db, email, userIdOf(who.sub));
    },

    async createTeam(ctx, body) {
      const who = principal(ctx.state);
      const { name } = body;
      // Streams are named by the id as the views spell it (lower case): `ABC…` would find the board
      // here, create the team, then share a board stream that does not exist (404, team left behind).
      const projectId = body.projectId?.toLowerCase();
      // No team is made for a board the caller may not share: the share would be refused after it.
      if (projectId) await mayShare(projectId, who);
      const key = ctx.get('Idempotency-Key');
      const teamId = key ? nameId('team', who.sub, key) : newId();
      const started = Date.now();
      const created = await send(ctx, who, teamStream(teamId), 'CreateTeam', {
        teamId,
        name,
        ...(projectId ? { projectId } : {}),
        userId: userIdOf(who.sub),
        sub: who.sub,
      });
      if (!created) return;
      // Two aggregates: the team exists, and the projects reactor shares the board with it (a
      // process, so a crash here loses nothing). Shown shared if that is visible within the wait.
      if (projectId)
        await commands.wait(
          projectShareCommandId(teamId),
          Math.max(0, settings.writeWaitMs - (Date.now() - started)),
        );
      ctx.status = 201;
      ctx.body = await findTeam(db, teamId);
    },

    async getTeam(ctx) {
      ctx.body = (await membership(ctx, principal(ctx.state))).team;
    },

    async assignTeam(ctx) {
      const who = principal(ctx.state);
      const { team, role } = await membership(ctx, who);
      administrator(role);
      const projectId = idParam(ctx, 'pid', 'project');
      await mayShare(projectId, who);
      if (await assign(ctx, who, projectId, team.id))
        ctx.body = (await findProject(db, projectId, who.sub))?.project;
    },

    async leaveTeam(ctx) {
      const who = principal(ctx.state);
      const { team } = await membership(ctx, who);
      if (
        await send(ctx, who, teamStream(team.id), 'LeaveTeam', {
          userId: userIdOf(who.sub),
          sub: who.sub,
        })
      )
        ctx.body = team;
    },

    async listMembers(ctx) {
      const { team } = await membership(ctx, principal(ctx.state));
      ctx.body = await listMembers(db, team.id);
    },

    async changeRole(ctx, { role: newRole }) {
      const who = principal(ctx.state);
      const { team, role } = await membership(ctx, who);
      administrator(role);
      const userId = idParam(ctx, 'uid', 'member');
      if (
        await send(ctx, who, teamStream(team.id), 'ChangeMemberRole', { userId, role: newRole })
      ) {
        ctx.body = (await listMembers(db, team.id)).find((m) => m.userId === userId);
      }
    },

    async removeMember(ctx) {
      const who = principal(ctx.state);
      const { team, role } = await membership(ctx, who);
      administrator(role);
      const userId = idParam(ctx, 'uid', 'member');
      const member = (await listMembers(db, team.id)).find((m) => m.userId === userId);
      if (!member) throw new HttpError(404, 'no such member');
      if (await send(ctx, who, teamStream(team.id), 'RemoveMember', { userId })) ctx.body = member;
    },

    async invite(ctx, { emailList }) {
      const who = principal(ctx.state);
      const { team, role } = await membership(ctx, who);
      administrator(role);
      const built = commandFrom(ctx, who, {
        type: 'InviteMembers',
        streamId: teamStream(team.id),
        data: {
          emailList,
          expiration: new Date(Date.now() + settings.inviteTtlMs).toISOString(),
          invitedBy: userIdOf(who.sub),
        },
      });
      const outcome = await dispatchCommand(commands, built);
      if (!outcome) {
        answerPending(ctx, built.command.id);
        return;
      }
      // Everyone already invited is not an error to the inviter: the open invitations stand.
      if (outcome.status === 'rejected' && outcome.code !== 'already_exists')
        throw rejectionError(outcome);
      ctx.status = 201;
      ctx.body = await openInvites(db, team.id, emailList);
    },

    async answerInvite(ctx, { accepted }) {
      const who = principal(ctx.state);
      const teamId = idParam(ctx, 'tid', 'team');
      refuseWhileRepairing(db, teamStream(teamId), 'team');
      const inviteId = idParam(ctx, 'iid', 'invitation');
      const email = requireProvenEmail(who, 'answer an invitation sent to it');
      const invite = await findInvite(db, inviteId, userIdOf(who.sub));
      // An invitation is visible only to the address it was sent to.
      if (!invite || invite.teamId !== teamId || invite.email !== email)
        throw new HttpError(404, 'no such invitation');
      const type = accepted ? 'AcceptInvite' : 'DeclineInvite';
      if (
        await send(ctx, who, teamStream(teamId), type, {
          inviteId,
          email,
          userId: userIdOf(who.sub),
          sub: who.sub,
        })
      ) {
        ctx.body = await findInvite(db, inviteId, userIdOf(who.sub));
      }
    },
  });
}
