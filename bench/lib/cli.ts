/** Command-line options shared by the benchmark entry points. */
import { parseArgs } from 'node:util';
import { CART_CHANGES, SELLER_CHANGES, TICKET_CHANGES } from '../../exporter/src/config/schema';
import type { BenchConfigOptions } from './bench-config';

export interface BenchOptions {
  /** Server URL (any database on it); benchmark databases are created next to it. */
  url: string;
  sizes: number[];
  scrapeSeconds: number;
  scrapers: number;
  /** Steady-state cycles measured per size (the median is reported). */
  cycles: number;
  /** Alternated measurement rounds of the side-by-side benchmarks. */
  rounds: number;
  /** Standalone runs only: measure this existing database instead of bench_<size>. */
  db?: string;
  /**
   * Standalone cost runs only: insert each steady cycle's fresh rows at this other database's per-table rate
   * instead of the measured one's, so a busy dataset can be run with a quieter one's new-row volume and the
   * effect of what its windows hold is seen apart from the effect of how many rows arrive.
   */
  freshRateOf?: string;
  /** Standalone cost runs only: insert no fresh rows (steady cycles over the data as it is). */
  noFreshRows: boolean;
  /**
   * Standalone cost runs only: fresh rows that reference a row copied in the same minute point at its
   * copy (a new session's page views, events and orders), as in a live minute; otherwise every reference
   * is to an older row (insertFreshMinute's `linked`).
   */
  freshLinks: boolean;
  /**
   * Standalone cost runs only: collection.settle_lag in seconds (0 when unset: each cycle reads only the
   * rows since the previous one). With --pace, a time-compressed picture of the product's cadence.
   */
  settleLag?: number;
  /** Standalone cost runs only: seconds from one steady cycle's start to the next's (none: back to back). */
  pace?: number;
  /** Standalone cost runs only: these collectors instead of every default database collector. */
  only?: string[];
  /** Standalone cost runs only: collection.seller_changes (how seller credits find changed sellers). */
  sellerChanges?: BenchConfigOptions['sellerChanges'];
  /** Standalone cost runs only: collection.cart_changes (how the abandonment ratio finds changed carts). */
  cartChanges?: BenchConfigOptions['cartChanges'];
  /** Standalone cost runs only: collection.ticket_changes (how support finds closed, scored, reopened tickets). */
  ticketChanges?: BenchConfigOptions['ticketChanges'];
  /**
   * Standalone cost runs only: open carts of the mutable tail converted before each steady cycle, as a
   * shop's checkouts do (fresh rows only insert). The database must be a scratch copy: not undone.
   */
  convertCarts: number;
  /**
   * Standalone cost runs only: open tickets closed and scored before each steady cycle, as support
   * agents do (fresh rows only insert). The database must be a scratch copy: not undone.
   */
  closeTickets: number;
  /** Standalone cost runs only: how many of a cycle's costliest statements the report lists. */
  top: number;
}

export function parseBenchArgs(argv = process.argv.slice(2)): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      sizes: { type: 'string' },
      'scrape-seconds': { type: 'string' },
      scrapers: { type: 'string' },
      cycles: { type: 'string' },
      rounds: { type: 'string' },
      db: { type: 'string' },
      'fresh-rate-of': { type: 'string' },
      'no-fresh-rows': { type: 'boolean' },
      'fresh-links': { type: 'boolean' },
      'settle-lag': { type: 'string' },
      pace: { type: 'string' },
      only: { type: 'string' },
      'seller-changes': { type: 'string' },
      'cart-changes': { type: 'string' },
      'ticket-changes': { type: 'string' },
      'convert-carts': { type: 'string' },
      'close-tickets': { type: 'string' },
      top: { type: 'string' },
    },
  });
  const url =
    values.url ?? process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres';
  const sizes = (values.sizes ?? '1000000,10000000').split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n <= 0))
    throw new Error(`--sizes: expected comma-separated positive integers, got ${values.sizes}`);
  const num = (v: string | undefined, d: number, name: string) => {
    const n = v === undefined ? d : Number(v);
    if (!(n > 0)) throw new Error(`--${name}: expected a positive number, got ${v}`);
    return n;
  };
  return {
    url,
    sizes,
    scrapeSeconds: num(values['scrape-seconds'], 30, 'scrape-seconds'),
    scrapers: num(values.scrapers, 8, 'scrapers'),
    cycles: num(values.cycles, 3, 'cycles'),
    rounds: num(values.rounds, 2, 'rounds'),
    db: values.db,
    freshRateOf: values['fresh-rate-of'],
    noFreshRows: values['no-fresh-rows'] ?? false,
    freshLinks: values['fresh-links'] ?? false,
    settleLag: values['settle-lag'] === undefined ? undefined : nonNegative(values['settle-lag'], 'settle-lag'),
    pace: values.pace === undefined ? undefined : num(values.pace, 0, 'pace'),
    only: values.only?.split(','),
    sellerChanges: oneOf(SELLER_CHANGES.options, values['seller-changes'], 'seller-changes'),
    cartChanges: oneOf(CART_CHANGES.options, values['cart-changes'], 'cart-changes'),
    ticketChanges: oneOf(TICKET_CHANGES.options, values['ticket-changes'], 'ticket-changes'),
    convertCarts: values['convert-carts'] === undefined ? 0 : num(values['convert-carts'], 0, 'convert-carts'),
    closeTickets: values['close-tickets'] === undefined ? 0 : num(values['close-tickets'], 0, 'close-tickets'),
    top: num(values.top, 5, 'top'),
  };
}

function nonNegative(v: string, name: string): number {
  const n = Number(v);
  if (!(n >= 0)) throw new Error(`--${name}: expected a number of seconds >= 0, got ${v}`);
  return n;
}

/** `v` when it is one of `values` (a setting's enum), undefined when unset; else the flag's error. */
function oneOf<T extends string>(values: readonly T[], v: string | undefined, flag: string): T | undefined {
  if (v === undefined) return undefined;
  if ((values as readonly string[]).includes(v)) return v as T;
  throw new Error(`--${flag}: expected ${values.join(', ')}, got ${v}`);
}

/** "1000000" → "1m", "250000" → "250k": used in database names and tables. */
export function sizeLabel(n: number): string {
  if (n % 1_000_000 === 0) return `${n / 1_000_000}m`;
  if (n % 1_000 === 0) return `${n / 1_000}k`;
  return String(n);
}

export function databaseUrl(serverUrl: string, dbName: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${dbName}`;
  return u.toString();
}

/** Progress lines go to stderr so stdout stays clean for piping the summary. */
export function progress(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}
