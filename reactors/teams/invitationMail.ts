import type { MemberInvited } from '../../contracts/teams';
import type { Static } from '@sinclair/typebox';

/** The invitation email: who invited you where, until when, and where to answer. */
export function invitationMessage(invite: Static<typeof MemberInvited>, appUrl: string) {
  const until = new Date(invite.expiration).toUTCString();
  return {
    to: invite.email,
    subject: `You are invited to join ${invite.teamName} on Devpie Client`,
    text: [
      `You have been invited to join the team "${invite.teamName}" on Devpie Client.`,
      '',
      `Sign in (or sign up with this address, ${invite.email}) to accept or decline:`,
      `${appUrl.replace(/\/$/, '')}/invites/${invite.inviteId}`,
      '',
      `The invitation can be accepted until ${until}.`,
    ].join('\n'),
  };
}
