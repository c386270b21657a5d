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

const noSuchProject = () => new HttpError(404, 'no such project');

/** What the caller may not see does not exist for them (404); what they see but may not do is 403. */
export function authorize(access: Access, action: Action): void {
  if (access === null) throw noSuchProject();
  if (!may(access, action))
    throw new HttpError(403, `your role (${access}) may not ${action} this project`);
}

/** The project as the caller found it, if they may do `action` to it (as `authorize` answers). */
export function authorized<T extends { access: Access }>(found: T | null, action: Action): T {
  if (found === null) throw noSuchProject();
  authorize(found.access, action);
  return found;
}
