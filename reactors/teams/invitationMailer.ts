import type { Static } from '@sinclair/typebox';
import { TEAM_CATEGORY, type MemberInvited } from '../../contracts/teams';
import type { Reaction } from '../../platform/hosts/reactorHost';
import { once } from '../../platform/effects/once';
import type { EffectLedger } from '../../platform/effects/port';
import type { Mailer } from '../../platform/mail/port';
import { invitationMessage } from './invitationMail';

/**
 * How long an attempt holds an invitation's mail before another instance may take it over: the
 * reactor handles one entry at a time, so only a second instance (after this one died) waits on it.
 */
const HOLD_MS = 30_000;

/**
 * Emails every invitation once it is recorded, keyed by the invitation in the effect ledger (the
 * invitations sent before the ledger was shared keep their rows: scope is this reaction's name).
 * At least once: a crash between sending and recording sends that one message again; recording
 * first could lose it instead.
 */
export function invitationMailer(mailer: Mailer, ledger: EffectLedger, appUrl: string): Reaction {
  const name = 'team-invitation-mailer';
  return {
    name,
    category: TEAM_CATEGORY,
    async handle(event) {
      if (event.type !== 'MemberInvited') return;
      const invite = event.data as Static<typeof MemberInvited>;
      await once(ledger, { scope: name, id: invite.inviteId }, HOLD_MS, () =>
        mailer.send(invitationMessage(invite, appUrl)),
      );
    },
  };
}
