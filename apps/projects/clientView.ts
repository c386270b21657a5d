/** A record the team keeps and its client may read: who did what, by Auth0 subject. */
interface Kept {
  history: Array<{ by: string | null }>;
  decidedBy?: string | null;
}

/**
 * What a client (someone outside the team) sees of such a record: their own actions under their
 * own subject, everyone else's as "team". Team members' Auth0 ids are the team's business.
 */
export function asSeenByClient<T extends Kept>(doc: T, clientSub: string): T {
  const shown = (by: string | null | undefined) =>
    by === null || by === undefined || by === clientSub ? (by ?? null) : 'team';
  return {
    ...doc,
    history: doc.history.map((h) => ({ ...h, by: shown(h.by) })),
    ...('decidedBy' in doc ? { decidedBy: shown(doc.decidedBy) } : {}),
  };
}
