import { HttpError } from '../../platform/http/errors';
import type { Access } from '../../projectors/projects/boardQueries';

export type Action = 'read' | 'comment' | 'edit' | 'share' | 'delete';

/**
 * What each relation to a project may do. The owner may do everything; team roles as the
 * frontend names them: administrators also share the board with a team, editors change the
 * board, commenters read and comment on tasks, viewers read.
 */
const ALLOWED: Record<Action, ReadonlyArray<NonNullable<Access>>> = {
  read: ['owner', 'administrator', 'editor', 'commenter', 'viewer'],
  comment: ['owner', 'administrator', 'editor', 'commenter'],
  edit: ['owner', 'administrator', 'editor'],
  share: ['owner', 'administrator'],
  delete: ['owner'],
};

export const may = (access: Access, action: Action): boolean =>
  access !== null && ALLOWED[action].includes(access);

/** What the caller may not see does not exist for them (404); what they see but may not do is 403. */
export function authorize(access: Access, action: Action): void {
  if (access === null) throw new HttpError(404, 'no such project');
  if (!may(access, action))
    throw new HttpError(403, `your role (${access}) may not ${action} this project`);
}
