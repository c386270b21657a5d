import type { AcceptedEvent, Outcome } from '../../platform/outcomes/outcomes';
import type { Column, Project, Task } from '../../projectors/projects/boardQueries';
import type { EventData } from '../../contracts/projects';

/**
 * A write's answer from the events it was accepted with, as the views fold them, so the request
 * need not read the views back. Each answer is the thing as the write left it: a new thing from
 * its events alone; a changed one from the copy the request read, only when the events follow
 * straight on from that read's version (nothing else changed the board in between). Otherwise,
 * or for an event this does not know, null: the request reads the views instead.
 */

type Accepted = Extract<Outcome, { status: 'accepted' }>;

/** The events, when the announcement carried them and they follow on from `version`. */
function eventsAfter(outcome: Accepted, version?: number): AcceptedEvent[] | null {
  const events = outcome.events;
  const first = events?.[0];
  if (!events || !first) return null;
  if (version !== undefined && first.version !== version + 1) return null;
  return events;
}

/** The views stamp a change with its event's time, and answer it in UTC ISO-8601. */
const instant = (at: string): string => new Date(at).toISOString();

/** Unknown: an event this module does not fold. */
const UNKNOWN = Symbol('unknown');
type Fold<T> = (item: T | null, e: AcceptedEvent) => T | null | typeof UNKNOWN;

/** Every board event the projection folds; any other makes the answer unknown. */
const BOARD_EVENTS = new Set([
  'ProjectAdded',
  'ProjectModified',
  'ProjectDestroyed',
  'ColumnAdded',
  'ColumnModified',
  'ColumnDestroyed',
  'TaskAdded',
  'TaskModified',
  'TaskDestroyed',
  'TaskMoved',
]);

function folded<T>(fold: Fold<T>, start: T | null, events: AcceptedEvent[]): T | null | undefined {
  let item = start;
  for (const e of events) {
    if (!BOARD_EVENTS.has(e.type)) return undefined;
    const next = fold(item, e);
    if (next === UNKNOWN) return undefined;
    item = next;
  }
  return item;
}

function foldProject(p: Project | null, e: AcceptedEvent): Project | null | typeof UNKNOWN {
  const at = instant(e.at);
  if (e.type === 'ProjectAdded') {
    const d = e.data as EventData<'ProjectAdded'>;
    return {
      id: d.id,
      name: d.name,
      prefix: d.prefix,
      description: d.description,
      teamId: d.teamId,
      userId: d.userId,
      active: d.active,
      public: d.public,
      columnOrder: [],
      createdAt: at,
      updatedAt: at,
    };
  }
  if (!p) return UNKNOWN;
  switch (e.type) {
    case 'ProjectModified': {
      const { columnOrder, ...fields } = e.data as EventData<'ProjectModified'>;
      return { ...p, ...fields, columnOrder: columnOrder ?? p.columnOrder, updatedAt: at };
    }
    case 'ProjectDestroyed':
      return null;
    case 'ColumnAdded':
      return {
        ...p,
        columnOrder: [...p.columnOrder, (e.data as EventData<'ColumnAdded'>).columnName],
        updatedAt: at,
      };
    case 'ColumnDestroyed': {
      const { columnName } = e.data as EventData<'ColumnDestroyed'>;
      return { ...p, columnOrder: p.columnOrder.filter((n) => n !== columnName), updatedAt: at };
    }
    default:
      // Every event of the board stamps the project.
      return { ...p, updatedAt: at };
  }
}

const foldColumn =
  (id: string, projectId: string): Fold<Column> =>
  (c, e) => {
    const at = instant(e.at);
    switch (e.type) {
      case 'ColumnAdded': {
        const d = e.data as EventData<'ColumnAdded'>;
        if (d.id !== id) return c;
        const { columnName, title } = d;
        return { id, projectId, title, columnName, taskIds: [], createdAt: at, updatedAt: at };
      }
      case 'ColumnModified': {
        const d = e.data as EventData<'ColumnModified'>;
        return d.id !== id ? c : c && { ...c, title: d.title, updatedAt: at };
      }
      case 'ColumnDestroyed':
        return (e.data as EventData<'ColumnDestroyed'>).id === id ? null : c;
      case 'ProjectDestroyed':
        return null;
      case 'TaskAdded': {
        const d = e.data as EventData<'TaskAdded'>;
        return d.columnId !== id ? c : c && { ...c, taskIds: [...c.taskIds, d.id], updatedAt: at };
      }
      case 'TaskDestroyed': {
        const d = e.data as EventData<'TaskDestroyed'>;
        if (d.columnId !== id) return c;
        return c && { ...c, taskIds: c.taskIds.filter((t) => t !== d.id), updatedAt: at };
      }
      case 'TaskMoved': {
        // The destination's whole order is in the event; the source loses the task.
        const d = e.data as EventData<'TaskMoved'>;
        if (d.to === id) return c && { ...c, taskIds: d.taskIds, updatedAt: at };
        if (d.from === id)
          return c && { ...c, taskIds: c.taskIds.filter((t) => t !== d.id), updatedAt: at };
        return c;
      }
      default:
        return c;
    }
  };

const foldTask =
  (id: string, projectId: string): Fold<Task> =>
  (t, e) => {
    const at = instant(e.at);
    switch (e.type) {
      case 'TaskAdded': {
        const d = e.data as EventData<'TaskAdded'>;
        if (d.id !== id) return t;
        return {
          id,
          key: d.key,
          seq: d.seq,
          title: d.title,
          points: 0,
          content: '',
          projectId,
          columnId: d.columnId,
          assignedTo: null,
          attachments: [],
          comments: [],
          createdAt: at,
          updatedAt: at,
        };
      }
      case 'TaskModified': {
        const { id: changed, ...fields } = e.data as EventData<'TaskModified'>;
        return changed !== id ? t : t && { ...t, ...fields, updatedAt: at };
      }
      case 'TaskMoved': {
        const d = e.data as EventData<'TaskMoved'>;
        return d.id !== id ? t : t && { ...t, columnId: d.to, updatedAt: at };
      }
      case 'TaskDestroyed':
        return (e.data as EventData<'TaskDestroyed'>).id === id ? null : t;
      case 'ProjectDestroyed':
        return null;
      default:
        return t;
    }
  };

/** The project as the write left it: `before` as read at board version `version`, or null when new. */
export function projectAfter(
  outcome: Accepted,
  before: { project: Project; version: number } | null,
): Project | null | undefined {
  const events = eventsAfter(outcome, before?.version);
  return events ? folded(foldProject, before?.project ?? null, events) : undefined;
}

export function columnAfter(
  outcome: Accepted,
  id: string,
  projectId: string,
  before: { column: Column; version: number } | null,
): Column | null | undefined {
  const events = eventsAfter(outcome, before?.version);
  return events ? folded(foldColumn(id, projectId), before?.column ?? null, events) : undefined;
}

export function taskAfter(
  outcome: Accepted,
  id: string,
  projectId: string,
  before: { task: Task; version: number } | null,
): Task | null | undefined {
  const events = eventsAfter(outcome, before?.version);
  return events ? folded(foldTask(id, projectId), before?.task ?? null, events) : undefined;
}

/**
 * A move's answer: the task and the columns it left and joined (`before.columns`, in the board's
 * order, read with the task at board version `version`), as the move left them.
 */
export function moveAfter(
  outcome: Accepted,
  projectId: string,
  before: { task: Task; columns: Column[]; version: number },
): { task: Task; columns: Column[] } | undefined {
  const events = eventsAfter(outcome, before.version);
  if (!events) return undefined;
  const task = folded(foldTask(before.task.id, projectId), before.task, events);
  const columns = before.columns.map((c) => folded(foldColumn(c.id, projectId), c, events));
  if (!task || columns.some((c) => !c)) return undefined;
  return { task, columns: columns as Column[] };
}
