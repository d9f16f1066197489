/**
 * Cardinality and privacy: whatever the database holds — emails in reason columns, ids as categories,
 * free text as event types — every label on /metrics stays inside its declared allow-list (unknown
 * values fold into `other`), and nothing that looks like an id, an email or free text gets out.
 */
import request from 'supertest';
import { catalogue, type LabelValues } from '../../shared/catalogue';
import { COLLECTOR_DEFAULTS } from '../../exporter/src/collectors';
import { allowedValues } from '../../exporter/src/metrics/labels';
import type { RunningExporter } from '../../exporter/src/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { exporterConfig, startTestExporter } from '../support/exporter';

let tdb: TestDatabase;
let e: RunningExporter;
const DB_COLLECTORS = Object.entries(COLLECTOR_DEFAULTS)
  .filter(([, d]) => d.enabled)
  .map(([n]) => n);
const config = () => exporterConfig({ url: tdb.url, only: DB_COLLECTORS });

beforeAll(async () => {
  tdb = await createTestDatabase();
  // Hostile values in every free-form column the collectors group by.
  await tdb.pool.query(`
    INSERT INTO users (id, created_at) VALUES (1, now() - interval '20 days'), (2, now() - interval '2 days');
    INSERT INTO sellers (id, applied_at, approved_at, credits_total, credits_used) VALUES (1, now() - interval '30 days', now() - interval '29 days', 100, 95);
    INSERT INTO subscriptions (seller_id, plan, amount_monthly, currency, started_at) VALUES (1, 'pro', 49, 'XTS', now() - interval '10 days');
    INSERT INTO sessions (id, user_id, visitor_id, platform, channel, started_at, ended_at) VALUES
      (1, 1, 'v-1', 'smart-fridge-4711', 'newsletter jane@example.com', now() - interval '2 hours', now() - interval '1 hour'),
      (2, 2, 'v-2', 'web', 'organic', now() - interval '3 hours', now() - interval '170 minutes');
    INSERT INTO page_views (session_id, viewed_at, path, load_time_ms, http_status) VALUES
      (1, now() - interval '2 hours', '/account/jane@example.com', 800, 599), (2, now() - interval '3 hours', '/', NULL, 200);
    INSERT INTO events (session_id, type, occurred_at) VALUES (1, 'clicked "Buy" on order 123456789', now() - interval '2 hours'), (2, 'add_to_cart', now() - interval '3 hours');
    INSERT INTO carts (user_id, session_id, created_at, status, abandoned_at) VALUES (1, 1, now() - interval '2 hours', 'abandoned', now() - interval '1 hour');
    INSERT INTO orders (id, user_id, seller_id, session_id, category, created_at, status, total_amount, currency) VALUES
      (1, 1, 1, 1, 'sku-998877665544', now() - interval '2 hours', 'paid', 750, 'JPY'),
      (2, 2, 1, 2, 'books', now() - interval '3 hours', 'paid', 20, 'USD');
    INSERT INTO payments (id, order_id, provider, provider_ref, status, failure_code, amount, currency, created_at, updated_at, succeeded_at, failed_at) VALUES
      (1, 1, 'acme-pay', 'ch_1', 'failed', 'declined for jane@example.com', 750, 'JPY', now() - interval '2 hours', now() - interval '2 hours', NULL, now() - interval '2 hours'),
      (2, 2, 'stripe', 'ch_2', 'succeeded', NULL, 20, 'USD', now() - interval '3 hours', now() - interval '3 hours', now() - interval '3 hours', NULL);
    INSERT INTO refunds (payment_id, amount, currency, reason, created_at) VALUES (2, 5, 'USD', 'Customer 4711 said: box was wet!!', now() - interval '1 hour');
    INSERT INTO returns (order_id, reason, created_at) VALUES (2, 'see ticket #99812', now() - interval '1 hour');
    INSERT INTO login_events (user_id, occurred_at, success, failure_reason) VALUES (1, now() - interval '1 hour', false, 'password "hunter2" rejected');
    INSERT INTO profile_changes (user_id, field, changed_at) VALUES (1, 'ssn_last4', now() - interval '1 hour');
    INSERT INTO audit_log (actor_id, action, object_count, occurred_at) VALUES (1, 'export', 5000, now() - interval '1 hour'), (1, 'impersonate user 42', 1, now() - interval '1 hour');
    INSERT INTO support_tickets (opened_at, closed_at, csat_score) VALUES (now() - interval '2 days', now() - interval '1 day', 4);
    INSERT INTO reviews (order_id, rating, created_at) VALUES (2, 5, now() - interval '1 hour');
    INSERT INTO bug_reports (severity, reported_at) VALUES ('P0 - urgent!!', now() - interval '1 hour');
    INSERT INTO incidents (component, severity, started_at, resolved_at) VALUES ('db-primary-eu-west-1a', 'critical', now() - interval '3 hours', now() - interval '2 hours');`);
  e = await startTestExporter(config());
  await e.ready();
});
afterAll(async () => {
  await e?.stop();
  await tdb?.drop();
});

/** label="value" pairs of one exposition line. */
function labelsOf(line: string): [string, string][] {
  const m = /^[^{]+\{(.*)\}\s/.exec(line);
  if (!m) return [];
  return [...m[1]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, x[2]!]);
}

test('every collector ran cleanly on hostile data', () => {
  const failed = e.status().filter((s) => !s.up);
  expect(failed.map((s) => `${s.name}: ${s.lastError}`)).toEqual([]);
});

test('every catalogue label value on /metrics is inside its allow-list (unknowns became other)', async () => {
  const text = (await request(e.url).get('/metrics')).text;
  const cfg = config();
  const offenders: string[] = [];
  let checked = 0;
  for (const def of catalogue) {
    const declared = def.labels as Record<string, LabelValues>;
    for (const line of text.split('\n')) {
      if (!line.startsWith(def.name) || !/^[a-z_]+(\{| )/.test(line)) continue;
      const series = line.slice(0, line.search(/[{ ]/));
      if (![def.name, `${def.name}_bucket`, `${def.name}_sum`, `${def.name}_count`].includes(series)) continue;
      for (const [k, v] of labelsOf(line)) {
        if (k === 'le') continue;
        const spec = declared[k];
        if (!spec) {
          offenders.push(`${line} (undeclared label ${k})`);
          continue;
        }
        const allowed = allowedValues(spec, cfg);
        checked++;
        if (allowed && v !== 'other' && !allowed.has(v)) offenders.push(`${line} (${k}="${v}")`);
      }
    }
  }
  expect(offenders).toEqual([]);
  expect(checked).toBeGreaterThan(100);
  // The hostile values were really there and really folded.
  expect(text).toMatch(/marketplace_sessions_total\{platform="other",channel="other"\} 1/);
  expect(text).toMatch(/marketplace_orders_by_category_total\{category="other"\} 1/);
  expect(text).toMatch(/marketplace_payment_failures_total\{provider="other",reason="other",source="db"\} 1/);
});

test('no label anywhere carries an email, a long number or free text', async () => {
  const text = (await request(e.url).get('/metrics')).text;
  const bad = text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .flatMap((l) => labelsOf(l).map(([k, v]) => ({ l, k, v })))
    .filter(({ k, v }) => !['version', 'nodejs', 'le'].includes(k) && (/@/.test(v) || /\d{4,}/.test(v) || /\s/.test(v) || v.length > 40));
  expect(bad.map((b) => b.l)).toEqual([]);
});
