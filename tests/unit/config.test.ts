import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ConfigError, loadConfig } from '../../exporter/src/config/load';

const run = promisify(execFile);
const fixtures = path.join(__dirname, '../fixtures');
const bad = (name: string) => path.join(fixtures, 'config-bad', name);

/** Each bad file, and what the one-line message must name: the field and what was expected. */
const CASES: [string, RegExp][] = [
  ['unknown-key.yaml', /^config error: listen: unknown key\(s\) "portt"$/],
  ['wrong-type.yaml', /^config error: listen\.port: .*expected number, received string$/],
  [
    'negative-interval.yaml',
    /^config error: collectors\.orders\.interval: expected a positive duration such as "30s" or "5m", got "-30s"$/,
  ],
  ['bad-url.yaml', /^config error: database\.url: expected a URL such as postgres:\/\/user@host:5432\/db$/],
  ['missing-secret-file.yaml', /^config error: web\.bearer_token\.file: secret file "\/nonexistent\/pulse-token" does not exist$/],
  ['missing-secret-env.yaml', /^config error: database\.password\.env: environment variable PULSE_TEST_UNSET_SECRET is not set$/],
  ['unknown-collector.yaml', /^config error: collectors: unknown key\(s\) "order_totals"$/],
  ['bad-enum.yaml', /^config error: log\.level: expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent"$/],
  ['histogram-without-buckets.yaml', /^config error: custom_metrics\.0\.buckets: histogram metrics need "buckets"$/],
  ['invalid-yaml.yaml', /^config error: .*invalid-yaml\.yaml: invalid YAML: /],
  ['ratio-out-of-range.yaml', /^config error: thresholds\.low_seller_credit_ratio: .*1/],
  ['counter-without-total.yaml', /^config error: custom_metrics\.0\.name: counter names must end in _total$/],
  [
    'bad-mutable-horizon.yaml',
    /^config error: collection\.mutable_horizon: expected a positive duration such as "30s" or "5m", got "-1h"$/,
  ],
  ['bad-full-refresh.yaml', /^config error: collection\.full_refresh: expected a positive duration such as "30s" or "5m", got "daily"$/],
  ['bad-seller-changes.yaml', /^config error: collection\.seller_changes: expected one of "auto", "row_versions", "updated_at"$/],
  ['bad-cart-changes.yaml', /^config error: collection\.cart_changes: expected one of "auto", "open_tail", "updated_at"$/],
  ['bad-ticket-changes.yaml', /^config error: collection\.ticket_changes: expected one of "auto", "tail_check", "updated_at"$/],
  ['bad-state-dir.yaml', /^config error: collection\.state_dir: expected a directory path$/],
  ['port-out-of-range.yaml', /^config error: listen\.port: .*65535/],
  [
    'reserved-metric-name.yaml',
    /^config error: custom_metrics\.0\.name: "marketplace_orders_total" is reserved \(a built-in metric or prefix\)$/,
  ],
  ['duplicate-metric-name.yaml', /^config error: custom_metrics\.1\.name: "shop_backlog" is declared twice$/],
  ['reserved-label-name.yaml', /^config error: custom_metrics\.0\.labels: "le" is a reserved label name$/],
  [
    'provider-plain-http.yaml',
    /^config error: payment_providers\.stripe\.base_url: expected an https:\/\/ URL \(http:\/\/ only for loopback addresses\)$/,
  ],
  ['web-config-with-legacy.yaml', /^config error: web: config_file replaces basic_auth, bearer_token and tls/],
  ['bad-lock-timeout.yaml', /^config error: database\.lock_timeout: expected a positive duration/],
  [
    'bad-idle-in-transaction-timeout.yaml',
    /^config error: database\.idle_in_transaction_session_timeout: expected a positive duration .*"forever"$/,
  ],
  ['bad-max-connections.yaml', /^config error: listen\.max_connections: /],
  ['lifecycle-not-boolean.yaml', /^config error: web\.enable_lifecycle: .*expected boolean/],
];

describe('bad configuration is rejected with a one-line message naming the field', () => {
  test.each(CASES)('%s', (file, expected) => {
    let err: unknown;
    try {
      loadConfig({ file: bad(file), env: {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toMatch(expected);
    expect(msg).not.toContain('\n');
  });
});

test('a missing config file is an error naming the file', () => {
  expect(() => loadConfig({ file: '/nonexistent/pulse.yml', env: {} })).toThrow(
    /cannot read config file "\/nonexistent\/pulse.yml": ENOENT/,
  );
});

test('the full example parses, durations become seconds and env overrides apply', () => {
  const c = loadConfig({
    file: path.join(fixtures, 'config-good/full.yaml'),
    env: {
      TEST_DB_PASSWORD: 's3cret',
      PULSE_LISTEN__PORT: '9100',
      PULSE_COLLECTION__SETTLE_LAG: '90s',
      DATABASE_URL: 'postgres://other@db2:5432/m',
    },
  });
  expect(c.listen.port).toBe(9100);
  expect(c.collection.settle_lag).toBe(90);
  expect(c.collection.max_staleness).toBe(600);
  expect(c.collection.seller_changes).toBe('updated_at');
  expect(loadConfig({ env: {} }).collection.seller_changes).toBe('auto');
  expect(c.collection.cart_changes).toBe('updated_at');
  expect(loadConfig({ env: {} }).collection.cart_changes).toBe('auto');
  expect(c.collection.ticket_changes).toBe('updated_at');
  expect(loadConfig({ env: {} }).collection.ticket_changes).toBe('auto');
  expect(c.collectors.orders).toEqual({ interval: 30, timeout: 10 });
  expect(c.database.url).toBe('postgres://other@db2:5432/m');
  expect(c.database.statement_timeout).toBe(15);
  expect(c.thresholds.high_value_order).toEqual({ default: 500, GBP: 400 });
  expect(c.custom_metrics[0]!.labels).toEqual(['provider']);
});

test('an env override with a bad value is reported against its field', () => {
  expect(() => loadConfig({ env: { PULSE_COLLECTION__MAX_STALENESS: '-1m' } })).toThrow(
    /^config error: collection\.max_staleness: expected a positive duration/,
  );
});

describe('the process refuses to start on a bad config', () => {
  const tsx = path.join(__dirname, '../../node_modules/.bin/tsx');
  const main = path.join(__dirname, '../../exporter/src/main.ts');

  test('--check-config on a bad file exits non-zero with one line on stderr', async () => {
    const err = await run(tsx, [main, '--check-config', bad('negative-interval.yaml')]).catch((e) => e);
    expect(err.code).toBe(2);
    expect(err.stderr.trim().split('\n')).toEqual([
      'config error: collectors.orders.interval: expected a positive duration such as "30s" or "5m", got "-30s"',
    ]);
  });

  test('starting with a bad file exits non-zero before doing anything', async () => {
    const err = await run(tsx, [main, '--config', bad('unknown-key.yaml')]).catch((e) => e);
    expect(err.code).toBe(2);
    expect(err.stderr.trim()).toBe('config error: listen: unknown key(s) "portt"');
  });

  test('--check-config on a good file exits 0', async () => {
    const out = await run(tsx, [main, '--check-config', path.join(fixtures, 'config-good/full.yaml')], {
      env: { ...process.env, TEST_DB_PASSWORD: 'a-long-enough-secret' },
    });
    expect(out.stdout).toMatch(/configuration is valid/);
  });
});

describe('environment', () => {
  test('PULSE_* variables that are not PULSE_<known section>__<key> are ignored with a warning (Kubernetes service links)', () => {
    const c = loadConfig({
      env: {
        PULSE_PORT: 'tcp://10.0.0.7:9464',
        PULSE_PORT_9464_TCP_ADDR: '10.0.0.7',
        PULSE_SERVICE_HOST: '10.0.0.7',
        PULSE_LOG__LEVEL: 'warn',
      },
    });
    expect(c.log.level).toBe('warn');
    expect(c.listen.port).toBe(9464);
    expect(c.warnings).toEqual([
      'environment variable PULSE_PORT ignored: not PULSE_<SECTION>__<KEY> with a known section',
      'environment variable PULSE_PORT_9464_TCP_ADDR ignored: not PULSE_<SECTION>__<KEY> with a known section',
      'environment variable PULSE_SERVICE_HOST ignored: not PULSE_<SECTION>__<KEY> with a known section',
    ]);
  });

  test('a known section with an unknown key is still an error', () => {
    expect(() => loadConfig({ env: { PULSE_LISTEN__PORTT: '1' } })).toThrow(/^config error: listen: unknown key\(s\) "portt"$/);
  });

  test('PORT fills in an unset listen.port but never overrides an explicit one (warned instead)', () => {
    expect(loadConfig({ env: { PORT: '9100' } }).listen.port).toBe(9100);
    const c = loadConfig({
      file: path.join(fixtures, 'config-good/full.yaml'),
      env: { TEST_DB_PASSWORD: 'a-long-enough-secret', PORT: '9999' },
    });
    expect(c.listen.port).not.toBe(9999);
    expect(c.warnings).toEqual([`environment variable PORT=9999 ignored: listen.port is set to ${c.listen.port}`]);
  });

  const tsx = path.join(__dirname, '../../node_modules/.bin/tsx');
  const main = path.join(__dirname, '../../exporter/src/main.ts');
  test('an empty secret file makes --check-config (and start-up) exit 2 with one line that names the field, not the secret', async () => {
    const err = await run(tsx, [main, '--check-config', path.join(fixtures, 'config-good/full.yaml')], {
      env: { ...process.env, TEST_DB_PASSWORD: '   ' },
    }).catch((e) => e);
    expect(err.code).toBe(2);
    expect(err.stderr).toBe(
      'config error: web.basic_auth.password: the secret is empty (authentication would be off); refusing to start\n',
    );
  });
});
