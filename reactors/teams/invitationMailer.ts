import type { Static } from '@sinclair/typebox';
import { TEAM_CATEGORY, type MemberInvited } from '../../contracts/teams';
import type { EffectLedger, Reaction } from '../../platform/hosts/reactorHost';
import type { Mailer } from '../../platform/mail/port';
import { invitationMessage } from './invitationMail';

/**
 * Emails every invitation once it is recorded. At least once: a crash between sending and
 * recording sends that one message again; recording first could lose it instead.
 */
export function invitationMailer(mailer: Mailer, ledger: EffectLedger, appUrl: string): Reaction {
  const name = 'team-invitation-mailer';
  return {
    name,
    category: TEAM_CATEGORY,
    async handle(event) {
      if (event.type !== 'MemberInvited') return;
      const invite = event.data as Static<typeof MemberInvited>;
      if (await ledger.done(name, invite.inviteId)) return;
      await mailer.send(invitationMessage(invite, appUrl));
      await ledger.record(name, invite.inviteId);
    },
  };
}
