/** The catalogue is the single source of truth: its own consistency, and nobody else spelling names. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { catalogue, collectorsOf, M } from '../../shared/catalogue';
import { COLLECTOR_DEFAULTS, COLLECTORS } from '../../exporter/src/collectors';
import { COLLECTOR_NAMES } from '../../shared/collectors';
import { parseConfig } from '../../exporter/src/config/load';

const ROOT = path.join(__dirname, '../..');

test('names are unique and follow Prometheus naming', () => {
  const names = catalogue.map((m) => m.name);
  expect(new Set(names).size).toBe(names.length);
  for (const m of catalogue) {
    expect(m.name).toMatch(/^marketplace_[a-z0-9_]+$/);
    if (m.type === 'counter') expect(m.name).toMatch(/_total$/);
    else expect(m.name).not.toMatch(/_total$/);
    if (m.unit === 'ratio') expect(m.name).toMatch(/_ratio$/);
    if (m.unit === 'seconds') expect(m.name).toMatch(/_seconds(_total)?$/);
    if (m.unit === 'timestamp') expect(m.name).toMatch(/_timestamp_seconds$/);
    expect(m.help.length).toBeGreaterThan(10);
    expect(m.definition.length).toBeGreaterThan(10);
    if (m.type === 'histogram') {
      expect(m.buckets?.length).toBeGreaterThan(2);
      expect([...m.buckets!].sort((a, b) => a - b)).toEqual(m.buckets);
    }
    for (const label of Object.keys(m.labels)) expect(label).toMatch(/^[a-z_]+$/);
  }
});

test('every metric names collectors that exist, and each collector declares exactly its catalogue metrics', () => {
  // Exporter collectors, the exporter runtime itself, and the report scheduler (a separate process).
  const known = new Set([...Object.keys(COLLECTOR_DEFAULTS), 'runtime', 'reports']);
  for (const m of catalogue) for (const c of collectorsOf(m)) expect(known).toContain(c);
  // Provider pollers need their provider configured to be built at all.
  const env = { TEST_STRIPE_KEY: 'sk_test_catalogue', TEST_PAYPAL_ID: 'id', TEST_PAYPAL_SECRET: 'secret' };
  const config = parseConfig(
    {
      payment_providers: {
        stripe: { enabled: true, api_key: { env: 'TEST_STRIPE_KEY' } },
        paypal: { enabled: true, client_id: { env: 'TEST_PAYPAL_ID' }, client_secret: { env: 'TEST_PAYPAL_SECRET' } },
      },
    },
    { env },
  );
  Object.assign(process.env, env);
  for (const name of COLLECTOR_NAMES) {
    const declared = COLLECTORS[name](config)
      .metrics.map((m) => m.name)
      .sort();
    const owned = catalogue.filter((m) => collectorsOf(m).includes(name)).map((m) => m.name);
    // A collector publishes only catalogue metrics that name it.
    for (const d of declared) expect(owned).toContain(d);
    // And every catalogue metric it owns alone is among them.
    for (const m of catalogue.filter((x) => collectorsOf(x).length === 1 && collectorsOf(x)[0] === name))
      expect(declared).toContain(m.name);
  }
});

test('the minimum catalogue of the design is all there', () => {
  expect(catalogue.length).toBeGreaterThanOrEqual(70);
  expect(M.cohortRetentionRatio.labels).toHaveProperty('cohort_weeks_ago');
  expect(M.paymentsTotal.labels).toHaveProperty('source');
  expect(M.conversionRatio.labels).toHaveProperty('channel');
});

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.ts$/.test(e)) out.push(p);
  }
  return out;
}

test('no product code outside the catalogue spells a catalogue metric name as a string', () => {
  const names = new Set(catalogue.map((m) => m.name));
  const dirs = ['exporter/src', 'dashboards', 'alerting', 'reports', 'scripts', 'bench'].map((d) => path.join(ROOT, d));
  const offenders: string[] = [];
  for (const file of dirs.flatMap(sourceFiles)) {
    if (file.includes(`${path.sep}catalogue${path.sep}`)) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/marketplace_[a-z0-9_]+/g)) {
      const base = m[0].replace(/_(bucket|sum|count)$/, '');
      if (names.has(m[0]) || names.has(base)) offenders.push(`${path.relative(ROOT, file)}: ${m[0]}`);
    }
  }
  expect(offenders).toEqual([]);
});
