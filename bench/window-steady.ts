/**
 * Steady cycle of the six window collectors, split into SQL time and the rest (JavaScript, transaction
 * overhead): each collector runs a first cycle, then --cycles steady ones; the median is printed.
 * STATE=<dir> keeps the window state there, so a second run restores it instead of rebuilding;
 * ONLY=funnel,carts limits the collectors; V=1 prints every cycle with each query's time and rows.
 *
 *   STATE=/tmp/window-state npx tsx bench/window-steady.ts --db bench_1m --cycles 15
 */
import { parseConfig } from '../exporter/src/config/load';
import type { CollectorFactory } from '../exporter/src/collectors/types';
import { activeUsers } from '../exporter/src/collectors/active-users';
import { bounce } from '../exporter/src/collectors/bounce';
import { carts } from '../exporter/src/collectors/carts';
import { funnel } from '../exporter/src/collectors/funnel';
import { revenue } from '../exporter/src/collectors/revenue';
import { visitors } from '../exporter/src/collectors/visitors';
import { createPool, withReadOnly } from '../exporter/src/runtime/db';
import { createLogger } from '../exporter/src/runtime/logger';
import { databaseUrl, parseBenchArgs } from './lib/cli';
import { ensureSchemaIndexesAt } from './lib/schema';
const ALL: [string, CollectorFactory][] = [
  ['funnel', funnel],
  ['visitors', visitors],
  ['bounce', bounce],
  ['revenue', revenue],
  ['carts', carts],
  ['active_users', activeUsers],
];
async function main() {
  const args = parseBenchArgs();
  const only = process.env.ONLY?.split(',');
  await ensureSchemaIndexesAt(databaseUrl(args.url, args.db ?? 'bench_1m'), args.db ?? 'bench_1m');
  const config = parseConfig(
    {
      database: { url: databaseUrl(args.url, args.db ?? 'bench_1m') },
      collection: { default_timeout: 300, ...(process.env.STATE ? { state_dir: process.env.STATE } : {}) },
    },
    { env: {} },
  );
  const pool = createPool(config);
  const log = createLogger('silent');
  let sum = 0;
  for (const [name, f] of ALL) {
    const tots: number[] = [];
    if (only && !only.includes(name)) continue;
    const c = f(config);
    for (let k = 0; k <= args.cycles; k++) {
      let dbms = 0;
      const qs: string[] = [];
      const ctrl = new AbortController();
      const t0 = performance.now();
      await withReadOnly(pool, 300, ctrl.signal, (db) => {
        const wrapped = {
          ...db,
          query: async (sql: string, p?: unknown[]) => {
            const a = performance.now();
            const r = await db.query(sql, p as never);
            const d = performance.now() - a;
            dbms += d;
            qs.push(`${d.toFixed(0)}ms/${r.length}r`);
            return r;
          },
        } as typeof db;
        return c.collect({ db: wrapped, config, log, signal: ctrl.signal });
      });
      const tot = performance.now() - t0;
      if (k > 0) tots.push(tot);
      if (process.env.V)
        console.log(`${name} cycle ${k}: total ${tot.toFixed(1)} db ${dbms.toFixed(1)} js ${(tot - dbms).toFixed(1)} [${qs.join(' ')}]`);
    }
    tots.sort((a, b) => a - b);
    const med = tots[tots.length >> 1]!;
    sum += med;
    console.log(name, 'median', med.toFixed(1));
  }
  console.log('total of medians', sum.toFixed(1));
  await pool.end();
}
main();
