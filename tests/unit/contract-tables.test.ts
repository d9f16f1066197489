/** The one list of contract tables (used by the simulator and the benchmark data tools) is the schema's. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TABLE_ORDER } from '../../exporter/src/demo/rows';

test('TABLE_ORDER names exactly the tables schema.sql creates', () => {
  const sql = readFileSync(path.join(__dirname, '../../exporter/src/db/schema.sql'), 'utf8');
  const created = [...sql.matchAll(/^CREATE TABLE IF NOT EXISTS (\w+)/gm)].map((m) => m[1]!);
  expect(created).toHaveLength(18);
  expect([...TABLE_ORDER].sort()).toEqual([...created].sort());
});
