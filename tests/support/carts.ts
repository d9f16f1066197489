/** Carts for collector tests: an owner for them, and one insert. */
import type pg from 'pg';

/** User 1 and their session 1, which every cart of these tests belongs to. */
export async function seedCartOwner(pool: pg.Pool): Promise<void> {
  await pool.query(`
    INSERT INTO users (id, created_at) VALUES (1, '2026-01-01');
    INSERT INTO sessions (id, user_id, visitor_id, platform, channel, started_at) VALUES (1, 1, 'v1', 'web', 'direct', '2026-01-01');`);
}

/** Inserts a cart created at `atMs`, abandoned at `abandonedAtMs` when given, and returns its id. */
export async function insertCart(pool: pg.Pool, atMs: number, status = 'open', abandonedAtMs?: number): Promise<number> {
  const { rows } = await pool.query(
    `INSERT INTO carts (user_id, session_id, created_at, status, abandoned_at)
     VALUES (1, 1, to_timestamp($1::float8 / 1000), $2, to_timestamp($3::float8 / 1000)) RETURNING id`,
    [atMs, status, abandonedAtMs ?? null],
  );
  return Number(rows[0].id);
}
