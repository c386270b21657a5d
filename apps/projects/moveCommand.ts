import type { Static } from '@sinclair/typebox';
import type { MoveTaskBody } from '../../contracts/http/projects';
import type { ProjectCommand } from '../../contracts/projects';

export type MoveData = Extract<ProjectCommand, { type: 'MoveTask' }>['data'];

/** The request's form of a move, in the command's words (the position form names its columns). */
export function moveCommand(taskId: string, body: Static<typeof MoveTaskBody>): MoveData {
  if ('taskIds' in body) return { taskId, ...body };
  const { toColumnId: to, fromColumnId: from, ...place } = body;
  const where = 'index' in place ? { index: place.index } : { afterTaskId: place.afterTaskId };
  return from === undefined ? { taskId, to, ...where } : { taskId, from, to, ...where };
}
