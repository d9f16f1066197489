/**
 * Reference form of the linked reads (visitors, active users, revenue): one statement that reads the rows
 * of a range and probes every row's previous one in SQL. The exporter reads the range without probes and
 * takes previous rows from the read itself or its entity index, probing only the rest (readLinked);
 * linked-facts.test.ts checks both against neighbours computed from the inserted rows, and
 * bench/linked-read-minute.ts times this form as the "before". It is built from the exporter's own
 * fragments (laterCte, prevLateral, firstCase), so a change to those reaches both.
 */
import {
  type FactPatch,
  type FactRow,
  firstCase,
  laterCte,
  type LinkedFirst,
  type LinkedRows,
  prevLateral,
  prevPatch,
  resolveFirst,
  usOf,
  usToTimestamp,
} from '../../../exporter/src/collectors/window-facts';
import type { Db } from '../../../exporter/src/runtime/db';

/**
 * Rows of `table` with `time` in ($1, $2], each with the previous row of the same entity (`key`) in
 * (time, id) order as `prev_id`/`prev_t` (whose `next_t` this row becomes: prevPatch), `next_t` for the
 * key's last row in the range (laterCte), and with `first` ($3 is minT) `first_t` (firstCase: NULL
 * when the previous row is after minT, for resolveFirst).
 */
export function linkedChangedSql(o: LinkedRows): string {
  const { table, key, time } = o;
  const extra = o.extra.map((c) => `, s.${c}`).join('');
  const first = o.first
    ? `,
         ${firstCase(o, '$3')}`
    : '';
  return `
  ${laterCte(o)}
  SELECT s.id, ${usOf(`s.${time}`)} AS t${extra}, ${usOf('later.at')} AS next_t,
         prev.id AS prev_id, ${usOf(`prev.${time}`)} AS prev_t${first}
    FROM ${table} s
    LEFT JOIN later ON later.k = s.${key}
    ${prevLateral(o)}
   WHERE s.${time} > $1::timestamptz AND s.${time} <= $2::timestamptz ${o.where ?? ''}`;
}

/**
 * Linked facts of ($1, $2] through linkedChangedSql and the patches making each the `col` (next) of its
 * predecessor; with `first`, their entity's first row (resolveFirst, as the exporter settles it).
 */
export async function queryLinked<C extends string>(
  db: Db,
  sql: string,
  fromUs: number,
  toUs: number,
  toFact: (r: Record<string, unknown>) => FactRow<C>,
  col: C,
  first?: LinkedFirst<C>,
): Promise<{ rows: FactRow<C>[]; patches: FactPatch<C>[] }> {
  const instants = first ? [fromUs, toUs, first.minTUs] : [fromUs, toUs];
  const rows = await db.query(sql, instants.map(usToTimestamp));
  if (first) await resolveFirst(db, rows, first);
  return { rows: rows.map(toFact), patches: rows.flatMap((r) => prevPatch(r, col)) };
}
