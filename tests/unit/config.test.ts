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
  ['negative-interval.yaml', /^config error: collectors\.orders\.interval: expected a positive duration such as "30s" or "5m", got "-30s"$/],
  ['bad-url.yaml', /^config error: database\.url: expected a URL such as postgres:\/\/user@host:5432\/db$/],
  ['missing-secret-file.yaml', /^config error: web\.bearer_token\.file: secret file "\/nonexistent\/pulse-token" does not exist$/],
  ['missing-secret-env.yaml', /^config error: database\.password\.env: environment variable PULSE_TEST_UNSET_SECRET is not set$/],
  ['unknown-collector.yaml', /^config error: collectors: unknown key\(s\) "order_totals"$/],
  ['bad-enum.yaml', /^config error: log\.level: expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent"$/],
  ['histogram-without-buckets.yaml', /^config error: custom_metrics\.0\.buckets: histogram metrics need "buckets"$/],
  ['invalid-yaml.yaml', /^config error: .*invalid-yaml\.yaml: invalid YAML: /],
  ['ratio-out-of-range.yaml', /^config error: thresholds\.low_seller_credit_ratio: .*1/],
  ['counter-without-total.yaml', /^config error: custom_metrics\.0\.name: counter names must end in _total$/],
  ['bad-mutable-horizon.yaml', /^config error: collection\.mutable_horizon: expected a positive duration such as "30s" or "5m", got "-1h"$/],
  ['bad-full-refresh.yaml', /^config error: collection\.full_refresh: expected a positive duration such as "30s" or "5m", got "daily"$/],
  ['bad-state-dir.yaml', /^config error: collection\.state_dir: expected a directory path$/],
  ['port-out-of-range.yaml', /^config error: listen\.port: .*65535/],
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
  expect(() => loadConfig({ file: '/nonexistent/pulse.yml', env: {} })).toThrow(/cannot read config file "\/nonexistent\/pulse.yml": ENOENT/);
});

test('the full example parses, durations become seconds and env overrides apply', () => {
  const c = loadConfig({
    file: path.join(fixtures, 'config-good/full.yaml'),
    env: { TEST_DB_PASSWORD: 's3cret', PULSE_LISTEN__PORT: '9100', PULSE_COLLECTION__SETTLE_LAG: '90s', DATABASE_URL: 'postgres://other@db2:5432/m' },
  });
  expect(c.listen.port).toBe(9100);
  expect(c.collection.settle_lag).toBe(90);
  expect(c.collection.max_staleness).toBe(600);
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
    expect(err.stderr.trim().split('\n')).toEqual(['config error: collectors.orders.interval: expected a positive duration such as "30s" or "5m", got "-30s"']);
  });

  test('starting with a bad file exits non-zero before doing anything', async () => {
    const err = await run(tsx, [main, '--config', bad('unknown-key.yaml')]).catch((e) => e);
    expect(err.code).toBe(2);
    expect(err.stderr.trim()).toBe('config error: listen: unknown key(s) "portt"');
  });

  test('--check-config on a good file exits 0', async () => {
    const out = await run(tsx, [main, '--check-config', path.join(fixtures, 'config-good/full.yaml')], {
      env: { ...process.env, TEST_DB_PASSWORD: 'x' },
    });
    expect(out.stdout).toMatch(/configuration is valid/);
  });
});
