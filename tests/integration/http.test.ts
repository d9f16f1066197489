/** HTTP endpoints: auth on and off, content negotiation, readiness, reload, scrapes without SQL. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import request from 'supertest';
import { M } from '../../shared/catalogue';
import { startExporter, type RunningExporter } from '../../exporter/src/app';
import { parseConfig, type Config } from '../../exporter/src/config/load';
import { createLogger } from '../../exporter/src/runtime/logger';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { eventually, exporterConfig, startTestExporter } from '../support/exporter';

// The basic-auth password comes from the environment, as in production.
process.env.TEST_SCRAPE_PASSWORD = 'pw-for-tests';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(() => tdb.drop());

describe('without auth', () => {
  let e: RunningExporter;
  beforeAll(async () => {
    e = await startTestExporter(
      exporterConfig({
        url: tdb.url,
        only: ['users'],
        extra: {
          custom_metrics: [
            {
              name: 'shop_slow_first',
              help: 'Slow first cycle.',
              type: 'gauge',
              query: 'SELECT 1 AS value FROM pg_sleep(1.5)',
              interval: '1h',
            },
          ],
        },
      }),
    );
  });
  afterAll(() => e.stop());

  test('/readyz is 503 until every collector finished its first cycle, then 200', async () => {
    const before = await request(e.url).get('/readyz');
    expect(before.status).toBe(503);
    expect(before.text).toContain('custom:shop_slow_first');
    await e.ready();
    const after = await request(e.url).get('/readyz');
    expect(after.status).toBe(200);
  });

  test('/healthz answers while the process lives', async () => {
    const res = await request(e.url).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.text).toBe('ok\n');
  });

  test('classic text format by default', async () => {
    const res = await request(e.url).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.text).toContain(`# TYPE ${M.usersRegisteredTotal.name} counter`);
    expect(res.text).toMatch(new RegExp(`^${M.buildInfo.name}\\{version="[^"]+",nodejs="v\\d+`, 'm'));
    expect(res.text).toContain('process_resident_memory_bytes');
    expect(res.text).not.toContain('# EOF');
  });

  test('OpenMetrics when the scraper asks for it', async () => {
    const res = await request(e.url)
      .get('/metrics')
      .set('Accept', 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    // OpenMetrics names the counter family without _total and its samples with it.
    expect(res.text).toContain(`# TYPE ${M.usersRegisteredTotal.name.replace(/_total$/, '')} counter`);
    expect(res.text).toMatch(new RegExp(`^${M.usersRegisteredTotal.name} 0$`, 'm'));
    expect(res.text.endsWith('# EOF\n')).toBe(true);
    // And the text format is unaffected afterwards (the two formats do not share metric objects).
    const text = await request(e.url).get('/metrics');
    expect(text.text).toContain(`# TYPE ${M.usersRegisteredTotal.name} counter`);
  });

  test('gzip when the scraper accepts it, with the same content', async () => {
    const plain = await request(e.url).get('/metrics').set('Accept-Encoding', 'identity');
    const zipped = await request(e.url).get('/metrics').set('Accept-Encoding', 'gzip');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(Number(zipped.headers['content-length'])).toBeLessThan(Number(plain.headers['content-length']) / 3);
    // supertest inflates the body; the catalogue part is identical (process metrics may tick between).
    const catalogueLines = (t: string) => t.split('\n').filter((l) => l.startsWith('marketplace_'));
    expect(catalogueLines(zipped.text)).toEqual(catalogueLines(plain.text));
  });

  test('scrapes run no SQL at all', async () => {
    // Every statement the exporter sends goes through pg.Client#query; collectors run hourly here,
    // so after the first cycle nothing may call it — however many scrapes arrive.
    const spy = jest.spyOn(pg.Client.prototype, 'query');
    try {
      await Promise.all(Array.from({ length: 100 }, () => request(e.url).get('/metrics').expect(200)));
      expect(spy).toHaveBeenCalledTimes(0);
      // Positive control: the spy does see a statement when one is sent.
      await tdb.pool.query('SELECT 1');
      expect(spy.mock.calls.length).toBeGreaterThan(0);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('with auth', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-auth-'));
  const tokenFile = path.join(dir, 'token');
  writeFileSync(tokenFile, 'scrape-token-123\n');
  let basic: RunningExporter;
  let bearer: RunningExporter;
  beforeAll(async () => {
    basic = await startTestExporter(
      exporterConfig({
        url: tdb.url,
        only: ['users'],
        env: { TEST_SCRAPE_PASSWORD: 'pw-for-tests' },
        extra: { web: { basic_auth: { username: 'prometheus', password: { env: 'TEST_SCRAPE_PASSWORD' } } } },
      }),
    );
    bearer = await startTestExporter(
      exporterConfig({ url: tdb.url, only: ['users'], extra: { web: { bearer_token: { file: tokenFile } } } }),
    );
  });
  afterAll(async () => {
    await basic.stop();
    await bearer.stop();
  });

  test('basic auth: 401 without or with wrong credentials, 200 with the right ones; health stays open', async () => {
    expect((await request(basic.url).get('/metrics')).status).toBe(401);
    expect((await request(basic.url).get('/metrics').auth('prometheus', 'wrong')).status).toBe(401);
    expect((await request(basic.url).get('/metrics').auth('prometheus', 'pw-for-tests')).status).toBe(200);
    expect((await request(basic.url).get('/healthz')).status).toBe(200);
    expect((await request(basic.url).post('/-/reload')).status).toBe(401);
  });

  test('bearer token from a file', async () => {
    expect((await request(bearer.url).get('/metrics')).status).toBe(401);
    expect((await request(bearer.url).get('/metrics').set('Authorization', 'Bearer nope')).status).toBe(401);
    expect((await request(bearer.url).get('/metrics').set('Authorization', 'Bearer scrape-token-123')).status).toBe(200);
  });
});
describe('with TLS', () => {
  test('serves /metrics over HTTPS with the configured certificate', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-tls-'));
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const e = await startTestExporter(
      exporterConfig({ url: tdb.url, only: ['users'], extra: { web: { tls: { cert_file: cert, key_file: key } } } }),
    );
    try {
      expect(e.url).toMatch(/^https:\/\//);
      const res = await request(e.url).get('/metrics').ca(readFileSync(cert));
      expect(res.status).toBe(200);
      expect(res.text).toContain(M.usersRegisteredTotal.name);
      // Plain HTTP on the TLS port is refused.
      await expect(fetch(`${e.url.replace('https:', 'http:')}/metrics`)).rejects.toThrow();
    } finally {
      await e.stop();
    }
  });
});

describe('config reload', () => {
  test('a good new config is applied; a bad one is rejected and the old one keeps running', async () => {
    let next: () => Config = () => exporterConfig({ url: tdb.url, only: ['users', 'orders'] });
    const e = await startExporter({
      config: exporterConfig({ url: tdb.url, only: ['users'], extra: { web: { enable_lifecycle: true } } }),
      log: createLogger('silent'),
      loadConfig: () => next(),
    });
    try {
      await e.ready();
      expect(e.status().map((s) => s.name)).toEqual(['users']);
      const ok = await request(e.url).post('/-/reload');
      expect(ok.status).toBe(200);
      expect(e.status().map((s) => s.name)).toEqual(['users', 'orders']);
      next = () => parseConfig({ listen: { port: -1 } }, { env: {} });
      const bad = await request(e.url).post('/-/reload');
      expect(bad.status).toBe(400);
      expect(bad.text).toMatch(/^config error: listen\.port/);
      expect(e.status().map((s) => s.name)).toEqual(['users', 'orders']);
      await eventually('still collecting after a rejected reload', () => e.status().every((s) => s.attempted && s.up));
      expect((await request(e.url).get('/metrics')).status).toBe(200);
    } finally {
      await e.stop();
    }
  });
});
