import type { Pool } from 'pg';

/** An Idempotency-Key and the request it names (a hash of method, path, If-Match and body). */
export interface IdempotencyClaim {
  owner: string;
  key: string;
  fingerprint: string;
}

/** `new`: first use; `same`: the same request again (a retry); `different`: another request. */
export type ClaimResult = 'new' | 'same' | 'different';

export interface IdempotencyKeys {
  claim(c: IdempotencyClaim): Promise<ClaimResult>;
}

/** Keys in Postgres: the first request to claim a key wins, whichever instance it reached. */
export const postgresIdempotencyKeys = (db: Pool): IdempotencyKeys => ({
  async claim({ owner, key, fingerprint }) {
    const { rows } = await db.query<{ fingerprint: string; inserted: boolean }>(
      `WITH ins AS (INSERT INTO platform.idempotency_keys (owner, key, fingerprint) VALUES ($1, $2, $3)
                    ON CONFLICT DO NOTHING RETURNING fingerprint)
       SELECT fingerprint, true AS inserted FROM ins
       UNION ALL SELECT fingerprint, false FROM platform.idempotency_keys WHERE owner = $1 AND key = $2
       LIMIT 1`,
      [owner, key, fingerprint],
    );
    let row = rows[0];
    if (!row) {
      // Claimed by a concurrent request that committed after this statement's snapshot was taken.
      const again = await db.query<{ fingerprint: string }>(
        'SELECT fingerprint FROM platform.idempotency_keys WHERE owner = $1 AND key = $2',
        [owner, key],
      );
      row = again.rows[0] && { fingerprint: again.rows[0].fingerprint, inserted: false };
    }
    if (!row || row.inserted) return 'new';
    return row.fingerprint === fingerprint ? 'same' : 'different';
  },
});
