/** A stream's state as of a version the log has stored. */
export interface Snapshot {
  version: number;
  state: unknown;
}

/** A command id whose outcome the log holds, and the position it is stored at (or below). */
export interface HandledCommand {
  commandId: string;
  position: number;
}

/** What one flush records at once. */
export interface SnapshotFlush {
  snapshots: ReadonlyMap<string, Snapshot>;
  handled: readonly HandledCommand[];
  /** Every entry of the event channel up to here is reflected in the snapshots and handled ids. */
  checkpoint: number;
  /**
   * The writer's lease: the flush is refused unless it is still this holder's. A holder that lost
   * its lease without knowing yet must not move the checkpoint past entries the next one wrote.
   */
  lease: { name: string; holder: string };
}

/** The lease named in a flush is someone else's now: nothing was recorded. */
export class SnapshotLeaseLost extends Error {}

/**
 * Where a component keeps its streams' states and the commands it handled, outside memory. The
 * component alone writes a category's rows (it holds the category's lease).
 */
export interface SnapshotStore {
  /** The last flushed checkpoint; 0 when nothing was ever flushed. */
  checkpoint(category: string): Promise<number>;
  /** The snapshots of these streams; a stream without one is missing from the answer. */
  load(category: string, streamIds: readonly string[]): Promise<Map<string, Snapshot>>;
  /** Which of these command ids were handled (as of the last flush). */
  handled(category: string, commandIds: readonly string[]): Promise<Set<string>>;
  /**
   * Every handled command id recorded so far, handed over a page at a time (in no given order);
   * resolves with how many. Ids recorded meanwhile may or may not be among them.
   */
  everyHandled(category: string, page: (commandIds: readonly string[]) => void): Promise<number>;
  /**
   * Records a flush atomically: snapshots replace older ones only (a lower version never
   * overwrites a higher one), and the checkpoint moves.
   */
  save(category: string, flush: SnapshotFlush): Promise<void>;
}
