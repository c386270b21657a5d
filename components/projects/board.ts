import type { EventData } from '../../contracts/projects';

export interface Column {
  id: string;
  columnName: string;
  title: string;
  taskIds: string[];
}

export type Task = EventData<'TaskAdded'> &
  Omit<EventData<'TaskModified'>, 'id'> & {
    content: string;
    points: number;
    assignedTo: string | null;
    attachments: string[];
    comments: string[];
  };

export interface Board {
  exists: boolean;
  destroyed: boolean;
  id: string;
  name: string;
  prefix: string;
  description: string;
  active: boolean;
  public: boolean;
  teamId: string | null;
  userId: string;
  ownerId: string;
  columnOrder: string[];
  columns: Record<string, Column>;
  tasks: Record<string, Task>;
  /** Last task number handed out; never reused, even after a delete. */
  seq: number;
  /** Last column number handed out (`column-N`). */
  columnSeq: number;
}

export const DEFAULT_COLUMNS = ['To Do', 'In Progress', 'Review', 'Done'];

/** The first three characters (code points: a surrogate pair stays whole) and a dash; shorter names are used whole. */
export const prefixOf = (name: string): string => `${Array.from(name).slice(0, 3).join('')}-`;

export const emptyBoard = (): Board => ({
  exists: false,
  destroyed: false,
  id: '',
  name: '',
  prefix: '',
  description: '',
  active: true,
  public: false,
  teamId: null,
  userId: '',
  ownerId: '',
  columnOrder: [],
  columns: {},
  tasks: {},
  seq: 0,
  columnSeq: 0,
});
