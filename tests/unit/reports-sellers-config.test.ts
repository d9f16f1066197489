/** Reports config for the seller reports: `database` and `sellers` sections, bad values named. */
import path from 'node:path';
import { loadReportsConfig, parseReportsConfig, ReportsConfigError } from '../../reports/config';

const bad = (name: string) => path.join(__dirname, '../fixtures/config-bad', name);

const CASES: [string, RegExp][] = [
  ['reports-database-url.yaml', /^reports config error: database\.url: expected a URL such as postgres:\/\/user@host:5432\/db$/],
  ['reports-database-timeout.yaml', /^reports config error: database\.timeout: .*"-5m"/],
  ['reports-sellers-low-credit-ratio.yaml', /^reports config error: sellers\.low_credit_ratio: .*1/],
  ['reports-sellers-segments.yaml', /^reports config error: sellers: segment_active_orders must be below segment_power_orders$/],
  ['reports-sellers-min-orders.yaml', /^reports config error: sellers\.min_orders: .*1/],
  ['reports-settle-lag.yaml', /^reports config error: settle_lag: expected 0 or a positive duration such as "2m", got "-2m"$/],
];

test.each(CASES)('%s is rejected with one line naming the field', (file, expected) => {
  let err: unknown;
  try {
    loadReportsConfig(bad(file));
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ReportsConfigError);
  expect((err as Error).message).toMatch(expected);
  expect((err as Error).message).not.toContain('\n');
});

test("defaults: no database (seller reports off), the exporter's segment thresholds", () => {
  const c = parseReportsConfig({ prometheus: { url: 'http://p:9090' }, grafana: { url: 'http://g:3000' } });
  expect(c.database).toBeUndefined();
  // The exporter's default collection.settle_lag.
  expect(c.settle_lag).toBe(120);
  expect(parseReportsConfig({ prometheus: { url: 'http://p:9090' }, grafana: { url: 'http://g:3000' }, settle_lag: '0s' }).settle_lag).toBe(
    0,
  );
  expect(c.sellers).toEqual({ segment_power_orders: 20, segment_active_orders: 5, low_credit_ratio: 0.1, min_orders: 20 });
  const d = parseReportsConfig({
    prometheus: { url: 'http://p:9090' },
    grafana: { url: 'http://g:3000' },
    database: { url: 'postgres://r@db/m', password: { env: 'PGPASSWORD' } },
  });
  expect(d.database).toEqual({
    url: 'postgres://r@db/m',
    password: { env: 'PGPASSWORD' },
    timeout: 300,
    application_name: 'marketplace-pulse-reports',
  });
});
