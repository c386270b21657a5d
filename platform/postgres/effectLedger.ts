import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { EffectLedger } from '../effects/port';

/**
 * The effect ledger in Postgres (platform.effects). Claims and their expiry are on the
 * database's clock, so workers whose clocks differ agree on when a claim has run out.
 */
export const postgresEffectLedger = (db: Pick<Pool, 'query'>): EffectLedger => ({
  async claim({ scope, id }, holdMs) {
    // Twice at most: a claim released between the two statements is asked for again.
    for (let tries = 0; tries < 2; tries++) {
      const token = randomUUID();
      const taken = await db.query(
        `INSERT INTO platform.effects AS e (scope, effect_id, claim, claimed_until)
         VALUES ($1, $2, $3, now() + $4::float8 * interval '1 millisecond')
         ON CONFLICT (scope, effect_id) DO UPDATE
           SET claim = EXCLUDED.claim, claimed_until = EXCLUDED.claimed_until
           WHERE e.done_at IS NULL AND e.claimed_until < now()`,
        [scope, id, token, Math.max(0, Math.round(holdMs))],
      );
      if (taken.rowCount === 1) return { state: 'claimed', token };
      const { rows } = await db.query<{
        done_at: Date | null;
        result: unknown;
        claimed_until: Date | null;
      }>(
        'SELECT done_at, result, claimed_until FROM platform.effects WHERE scope = $1 AND effect_id = $2',
        [scope, id],
      );
      const row = rows[0];
      if (!row) continue;
      if (row.done_at) return { state: 'done', result: row.result };
      return { state: 'busy', until: row.claimed_until ?? new Date() };
    }
    return { state: 'busy', until: new Date() };
  },

  async complete({ scope, id }, result) {
    // An upsert: a slow attempt whose claim was taken over (and given up) still records its effect.
    await db.query(
      `INSERT INTO platform.effects AS e (scope, effect_id, done_at, result)
       VALUES ($1, $2, now(), $3::jsonb)
       ON CONFLICT (scope, effect_id) DO UPDATE
         SET done_at = now(), result = EXCLUDED.result, claim = NULL, claimed_until = NULL
         WHERE e.done_at IS NULL`,
      [scope, id, JSON.stringify(result ?? null)],
    );
  },

  async release({ scope, id }, token) {
    await db.query(
      'DELETE FROM platform.effects WHERE scope = $1 AND effect_id = $2 AND claim = $3 AND done_at IS NULL',
      [scope, id, token],
    );
  },
});
