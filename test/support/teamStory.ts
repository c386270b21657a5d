import { teamDecider, type Team } from '../../components/teams/teamDecider';
import type { EventEnvelope } from '../../contracts/envelope';
import {
  TEAM_CATEGORY,
  type TeamCommand,
  type TeamEvent,
  type TeamRole,
} from '../../contracts/teams';
import type { CategoryWriter } from '../../platform/eventlog/port';
import { newId } from '../../platform/ids';
import { Author } from './projections';
import { uniq } from './env';

/**
 * Teams' lives in commands, shared by the suites of the two projections of team events (the
 * teams views and the projects context's record of members): every membership and invitation
 * event, refusals among them, told in two acts so a suite can restart its projectors between.
 */

export interface Person {
  sub: string;
  userId: string;
  email: string;
}

const person = (name: string): Person => {
  const tag = uniq();
  return { sub: `auth0|${name}-${tag}`, userId: newId(), email: `${name}-${tag}@example.com` };
};

/** Far enough ahead that the views, which compare with the wall clock, still call them open. */
const EXPIRATION = '2099-01-01T00:00:00.000Z';

export class TeamStory {
  readonly author: Author<TeamCommand, TeamEvent, Team>;
  readonly people = {
    ada: person('ada'),
    bob: person('bob'),
    cy: person('cy'),
    dee: person('dee'),
    eve: person('eve'),
  };
  readonly apollo = newId();
  readonly gemini = newId();
  /** The project Apollo's team was made for. */
  readonly projectId = newId();

  constructor(writer: CategoryWriter) {
    this.author = new Author(writer, teamDecider);
  }

  send<T extends TeamCommand['type']>(
    teamId: string,
    type: T,
    data: Extract<TeamCommand, { type: T }>['data'],
    by: Person,
  ): EventEnvelope[] {
    return this.author.send(`${TEAM_CATEGORY}-${teamId}`, { type, data } as TeamCommand, by.sub);
  }

  refused<T extends TeamCommand['type']>(
    teamId: string,
    type: T,
    data: Extract<TeamCommand, { type: T }>['data'],
    by: Person,
  ): string {
    return this.author.refused(`${TEAM_CATEGORY}-${teamId}`, { type, data } as TeamCommand, by.sub);
  }

  team(teamId: string): Team {
    return this.author.state(`${TEAM_CATEGORY}-${teamId}`);
  }

  /** Invites and returns each invitation's id, by address. */
  invite(teamId: string, by: Person, ...who: Person[]): Record<string, string> {
    const events = this.send(
      teamId,
      'InviteMembers',
      { emailList: who.map((p) => p.email), expiration: EXPIRATION, invitedBy: by.userId },
      by,
    );
    return Object.fromEntries(
      events.map((e) => [
        (e.data as { email: string }).email,
        (e.data as { inviteId: string }).inviteId,
      ]),
    );
  }

  answer(teamId: string, inviteId: string, who: Person, accept: boolean): void {
    this.send(
      teamId,
      accept ? 'AcceptInvite' : 'DeclineInvite',
      { inviteId, email: who.email, userId: who.userId, sub: who.sub },
      who,
    );
  }

  role(teamId: string, who: Person, role: TeamRole, by: Person): void {
    this.send(teamId, 'ChangeMemberRole', { userId: who.userId, role }, by);
  }

  /** Creations, invitations accepted and declined, roles changed, a member removed, one who leaves. */
  actOne(): void {
    const { ada, bob, cy, dee, eve } = this.people;
    this.send(
      this.apollo,
      'CreateTeam',
      {
        teamId: this.apollo,
        name: 'Apollo',
        projectId: this.projectId,
        userId: ada.userId,
        sub: ada.sub,
      },
      ada,
    );
    const invites = this.invite(this.apollo, ada, bob, cy, dee);
    this.answer(this.apollo, invites[bob.email]!, bob, true);
    this.answer(this.apollo, invites[cy.email]!, cy, false);
    this.answer(this.apollo, invites[dee.email]!, dee, true);
    this.role(this.apollo, dee, 'commenter', ada);
    this.role(this.apollo, bob, 'administrator', ada);
    this.send(this.apollo, 'RemoveMember', { userId: dee.userId }, bob);
    // Refusals are entries of the log too: they change no view.
    if (
      this.refused(this.apollo, 'ChangeMemberRole', { userId: ada.userId, role: 'viewer' }, dee) !==
      'forbidden'
    )
      throw new Error('dee is no longer a member');

    this.send(
      this.gemini,
      'CreateTeam',
      { teamId: this.gemini, name: 'Gemini', userId: bob.userId, sub: bob.sub },
      bob,
    );
    const gemini = this.invite(this.gemini, bob, ada, eve);
    this.answer(this.gemini, gemini[ada.email]!, ada, true);
    this.send(this.gemini, 'LeaveTeam', { userId: ada.userId, sub: ada.sub }, ada);
  }

  /** Second rounds of invitations, a member back after removal, a last member leaving. */
  actTwo(): void {
    const { ada, bob, cy, dee, eve } = this.people;
    const again = this.invite(this.apollo, bob, cy, dee);
    this.answer(this.apollo, again[cy.email]!, cy, true);
    this.answer(this.apollo, again[dee.email]!, dee, true);
    this.role(this.apollo, ada, 'viewer', bob);
    this.role(this.apollo, cy, 'administrator', bob);
    const gemini = this.team(this.gemini);
    const eveInvite = Object.values(gemini.invites).find((i) => i.email === eve.email)!;
    this.answer(this.gemini, eveInvite.inviteId, eve, false);
    this.send(this.gemini, 'LeaveTeam', { userId: bob.userId, sub: bob.sub }, bob);
  }

  get teams(): string[] {
    return [this.apollo, this.gemini];
  }
}
