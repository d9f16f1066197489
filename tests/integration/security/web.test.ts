/**
 * Fault matrix, HTTP surface: the exporter-toolkit web config (bcrypt users, TLS minimum version,
 * client certificates, certificate rotation, headers), auth on every endpoint but /healthz and /readyz,
 * secrets that would turn auth off, the lifecycle endpoint, slow clients and 10k idle sockets.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import bcrypt from 'bcryptjs';
import request from 'supertest';
import YAML from 'yaml';
import { startExporter, type RunningExporter } from '../../../exporter/src/app';
import { parseWebConfig } from '../../../exporter/src/http/web-config';
import { createLogger } from '../../../exporter/src/runtime/logger';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { eventually, exporterConfig } from '../../support/exporter';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-web-'));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

/** A CA, a server certificate for 127.0.0.1 signed by it, and a client certificate signed by it. */
function makeCerts(tag: string) {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `ca-${tag}.key`,
    '-out',
    `ca-${tag}.crt`,
    '-days',
    '2',
    '-subj',
    `/CN=pulse test CA ${tag}`,
  );
  for (const who of ['server', 'client']) {
    openssl(
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${who}-${tag}.key`,
      '-out',
      `${who}-${tag}.csr`,
      '-subj',
      `/CN=${who}-${tag}`,
    );
    file(`${who}-${tag}.ext`, who === 'server' ? 'subjectAltName=IP:127.0.0.1\n' : 'extendedKeyUsage=clientAuth\n');
    openssl(
      'x509',
      '-req',
      '-in',
      `${who}-${tag}.csr`,
      '-CA',
      `ca-${tag}.crt`,
      '-CAkey',
      `ca-${tag}.key`,
      '-CAcreateserial',
      '-out',
      `${who}-${tag}.crt`,
      '-days',
      '2',
      '-extfile',
      `${who}-${tag}.ext`,
    );
  }
  const p = (n: string) => path.join(dir, n);
  return {
    ca: p(`ca-${tag}.crt`),
    cert: p(`server-${tag}.crt`),
    key: p(`server-${tag}.key`),
    clientCert: p(`client-${tag}.crt`),
    clientKey: p(`client-${tag}.key`),
  };
}

let tdb: TestDatabase;
const started: RunningExporter[] = [];
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  for (const e of started) await e.stop();
  await tdb.drop();
});

async function start(
  extra: Record<string, unknown>,
  opts: { httpLimits?: Parameters<typeof startExporter>[0]['httpLimits']; loadConfig?: () => ReturnType<typeof exporterConfig> } = {},
) {
  const e = await startExporter({ config: exporterConfig({ url: tdb.url, only: ['users'], extra }), log: createLogger('silent'), ...opts });
  started.push(e);
  return e;
}

const PASSWORD = 'correct horse battery staple';
const hash = bcrypt.hashSync(PASSWORD, 10);
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

describe('web config file: bcrypt basic auth on every endpoint but the probes', () => {
  let e: RunningExporter;
  beforeAll(async () => {
    const wc = file(
      'web-auth.yml',
      YAML.stringify({
        basic_auth_users: { prometheus: hash },
        http_server_config: { headers: { 'X-Frame-Options': 'DENY', 'Content-Security-Policy': "default-src 'none'" } },
      }),
    );
    e = await start({ web: { config_file: wc } });
    await e.ready();
  });

  test.each(['/metrics', '/', '/api/collectors', '/no-such-page'])(
    '%s: 401 without, with a wrong password or an unknown user',
    async (p) => {
      expect((await request(e.url).get(p)).status).toBe(401);
      expect((await request(e.url).get(p).set('Authorization', basic('prometheus', 'wrong'))).status).toBe(401);
      expect((await request(e.url).get(p).set('Authorization', basic('mallory', PASSWORD))).status).toBe(401);
      const ok = await request(e.url).get(p).set('Authorization', basic('prometheus', PASSWORD));
      expect(ok.status).toBe(p === '/no-such-page' ? 404 : 200);
    },
  );

  test('/healthz and /readyz stay open (orchestrator probes), with the configured headers', async () => {
    for (const p of ['/healthz', '/readyz']) {
      const res = await request(e.url).get(p);
      expect(res.status).toBe(200);
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['content-security-policy']).toBe("default-src 'none'");
    }
    const denied = await request(e.url).get('/metrics');
    expect(denied.headers['www-authenticate']).toMatch(/^Basic realm=/);
  });

  test('a bearer token is no way around bcrypt users', async () => {
    expect((await request(e.url).get('/metrics').set('Authorization', 'Bearer anything-at-all')).status).toBe(401);
  });
});

describe('secrets that would turn authentication off refuse to start', () => {
  test.each([
    [
      'empty token file',
      { web: { bearer_token: { file: file('empty-token', '') } } },
      /^config error: web\.bearer_token: the secret is empty/,
    ],
    [
      'whitespace-only token file',
      { web: { bearer_token: { file: file('blank-token', '  \n\t\n') } } },
      /^config error: web\.bearer_token: the secret is empty/,
    ],
    [
      'short basic-auth password',
      { web: { basic_auth: { username: 'p', password: { file: file('short-pw', 'hunter2\n') } } } },
      /^config error: web\.basic_auth\.password: the secret is 7 characters, expected at least 12$/,
    ],
  ])('%s: start-up rejected with a one-line error, nothing listens', async (_w, extra, msg) => {
    const err = await start(extra).catch((x: Error) => x);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(msg);
    expect((err as Error).message).not.toContain('\n');
  });

  test('legacy bearer token still works; comparison accepts only the exact token', async () => {
    const e = await start({ web: { bearer_token: { file: file('good-token', 'a-long-scrape-token\n') } } });
    expect((await request(e.url).get('/metrics').set('Authorization', 'Bearer a-long-scrape-token')).status).toBe(200);
    for (const guess of ['a-long-scrape-toke', 'a-long-scrape-tokenX', '', 'A-LONG-SCRAPE-TOKEN']) {
      expect((await request(e.url).get('/metrics').set('Authorization', `Bearer ${guess}`)).status).toBe(401);
    }
  });
});

describe('bad web config files: one line naming the field', () => {
  const certs = makeCerts('bad');
  test.each([
    ['unknown key', { basic_auth_user: {} }, /\(top level\): unknown key\(s\) "basic_auth_user"$/],
    ['plain-text password instead of a hash', { basic_auth_users: { p: 'secret' } }, /basic_auth_users\.p: expected a bcrypt hash/],
    [
      'bcrypt cost below 10',
      { basic_auth_users: { p: bcrypt.hashSync('x', 4) } },
      /basic_auth_users\.p: expected a bcrypt cost of at least 10$/,
    ],
    [
      'client CA without a verifying client_auth_type',
      { tls_server_config: { cert_file: certs.cert, key_file: certs.key, client_ca_file: certs.ca } },
      /tls_server_config\.client_auth_type: client_ca_file is set but client_auth_type is NoClientCert/,
    ],
    [
      'verification without a client CA',
      { tls_server_config: { cert_file: certs.cert, key_file: certs.key, client_auth_type: 'RequireAndVerifyClientCert' } },
      /tls_server_config\.client_ca_file: client_auth_type verifies client certificates and needs client_ca_file$/,
    ],
    [
      'unknown TLS version',
      { tls_server_config: { cert_file: certs.cert, key_file: certs.key, min_version: 'SSL3' } },
      /tls_server_config\.min_version: /,
    ],
    [
      'missing certificate file',
      { tls_server_config: { cert_file: '/nonexistent.crt', key_file: certs.key } },
      /tls_server_config\.cert_file: file "\/nonexistent\.crt" does not exist$/,
    ],
    [
      'a header outside the allowed list',
      { http_server_config: { headers: { 'Set-Cookie': 'a=b' } } },
      /http_server_config\.headers: only these headers may be set/,
    ],
  ])('%s', (_w, raw, msg) => {
    expect(() => parseWebConfig(raw, 'web.yml')).toThrow(msg);
    try {
      parseWebConfig(raw, 'web.yml');
    } catch (err) {
      expect((err as Error).message).toMatch(/^web config error: web\.yml: /);
      expect((err as Error).message).not.toContain('\n');
    }
  });

  test('web.config_file together with the legacy keys is refused', () => {
    expect(() => exporterConfig({ url: tdb.url, extra: { web: { config_file: 'web.yml', bearer_token: { env: 'X' } } } })).toThrow(
      /^config error: web: config_file replaces basic_auth, bearer_token and tls/,
    );
  });
});

/** Connects with TLS and resolves the peer certificate's CN, or rejects with the handshake error. */
function handshake(port: number, opts: tls.ConnectionOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ...opts }, () => {
      // A post-handshake rejection (client cert checks) shows up as a close before any data.
      s.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    });
    let data = '';
    s.on('data', (d) => (data += d.toString()));
    s.on('end', () =>
      data.startsWith('HTTP/1.1 200')
        ? resolve(String(s.getPeerCertificate()?.subject?.CN ?? data))
        : reject(new Error(`no response: ${data.slice(0, 40)}`)),
    );
    s.on('error', reject);
  });
}

describe('TLS', () => {
  test('min_version TLS13 refuses a TLS 1.2 client; certificates are re-read on change', async () => {
    const a = makeCerts('a');
    const b = makeCerts('b');
    const certPath = path.join(dir, 'live.crt');
    const keyPath = path.join(dir, 'live.key');
    writeFileSync(certPath, execFileSync('cat', [a.cert]));
    writeFileSync(keyPath, execFileSync('cat', [a.key]));
    const wc = file('web-tls.yml', YAML.stringify({ tls_server_config: { cert_file: certPath, key_file: keyPath, min_version: 'TLS13' } }));
    const e = await start({ web: { config_file: wc } });
    expect(e.url).toMatch(/^https:/);
    const ca = [execFileSync('cat', [a.ca]), execFileSync('cat', [b.ca])];
    expect(await handshake(e.port, { ca })).toBe('server-a');
    await expect(handshake(e.port, { ca, maxVersion: 'TLSv1.2' })).rejects.toThrow(/protocol version|alert/i);
    // Rotation the way cert-manager does it: new files renamed into place.
    writeFileSync(path.join(dir, 'next.key'), execFileSync('cat', [b.key]));
    writeFileSync(path.join(dir, 'next.crt'), execFileSync('cat', [b.cert]));
    renameSync(path.join(dir, 'next.key'), keyPath);
    renameSync(path.join(dir, 'next.crt'), certPath);
    expect(await handshake(e.port, { ca })).toBe('server-b');
  });

  test('RequireAndVerifyClientCert: no client certificate or one from another CA is refused; a signed one is served', async () => {
    const c = makeCerts('c');
    const other = makeCerts('d');
    const wc = file(
      'web-mtls.yml',
      YAML.stringify({
        tls_server_config: { cert_file: c.cert, key_file: c.key, client_auth_type: 'RequireAndVerifyClientCert', client_ca_file: c.ca },
      }),
    );
    const e = await start({ web: { config_file: wc } });
    const ca = execFileSync('cat', [c.ca]);
    await expect(handshake(e.port, { ca })).rejects.toThrow();
    await expect(
      handshake(e.port, { ca, cert: execFileSync('cat', [other.clientCert]), key: execFileSync('cat', [other.clientKey]) }),
    ).rejects.toThrow();
    expect(await handshake(e.port, { ca, cert: execFileSync('cat', [c.clientCert]), key: execFileSync('cat', [c.clientKey]) })).toBe(
      'server-c',
    );
  });
  test('a reload applies client_auth_type and client CA changes to the next connections; HTTP <-> HTTPS is refused as needing a restart', async () => {
    const c = makeCerts('e');
    const d = makeCerts('f');
    const wc = path.join(dir, 'web-reload-tls.yml');
    const write = (tlsConfig: Record<string, unknown> | undefined) =>
      file(
        'web-reload-tls.yml',
        YAML.stringify(tlsConfig ? { tls_server_config: { cert_file: c.cert, key_file: c.key, ...tlsConfig } } : {}),
      );
    write({});
    const cfg = () => exporterConfig({ url: tdb.url, only: ['users'], extra: { web: { config_file: wc } } });
    const e = await start({ web: { config_file: wc } }, { loadConfig: cfg });
    const ca = execFileSync('cat', [c.ca]);
    const clientOf = (x: typeof c) => ({ ca, cert: execFileSync('cat', [x.clientCert]), key: execFileSync('cat', [x.clientKey]) });
    expect(await handshake(e.port, { ca })).toBe('server-e');

    write({ client_auth_type: 'RequireAndVerifyClientCert', client_ca_file: c.ca });
    expect(await e.reload()).toBeNull();
    await expect(handshake(e.port, { ca })).rejects.toThrow();
    await expect(handshake(e.port, clientOf(d))).rejects.toThrow();
    expect(await handshake(e.port, clientOf(c))).toBe('server-e');

    // Another client CA: its clients are served, the previous CA's are not.
    write({ client_auth_type: 'RequireAndVerifyClientCert', client_ca_file: d.ca });
    expect(await e.reload()).toBeNull();
    expect(await handshake(e.port, clientOf(d))).toBe('server-e');
    await expect(handshake(e.port, clientOf(c))).rejects.toThrow();

    write({});
    expect(await e.reload()).toBeNull();
    expect(await handshake(e.port, { ca })).toBe('server-e');

    // Plain HTTP on a TLS listener: refused with a one-line reason, TLS keeps serving.
    write(undefined);
    expect(await e.reload()).toBe('switching between HTTP and HTTPS needs a restart');
    expect(await handshake(e.port, { ca })).toBe('server-e');
  });
});

describe('lifecycle endpoint', () => {
  test('off by default: POST /-/reload is 403 and nothing reloads', async () => {
    const e = await start({});
    const res = await request(e.url).post('/-/reload');
    expect(res.status).toBe(403);
    expect(res.text).toMatch(/--web\.enable-lifecycle/);
    expect(e.reloadCount()).toBe(0);
  });

  test('on: GET is 405, cross-site POSTs are 403, auth is required when configured, a good POST reloads', async () => {
    const wc = file('web-life.yml', YAML.stringify({ basic_auth_users: { ops: hash } }));
    const cfg = () => exporterConfig({ url: tdb.url, only: ['users'], extra: { web: { config_file: wc, enable_lifecycle: true } } });
    const e = await start({ web: { config_file: wc, enable_lifecycle: true } }, { loadConfig: cfg });
    const auth = basic('ops', PASSWORD);
    expect((await request(e.url).get('/-/reload').set('Authorization', auth)).status).toBe(405);
    expect((await request(e.url).post('/-/reload')).status).toBe(401);
    expect((await request(e.url).post('/-/reload').set('Authorization', auth).set('Sec-Fetch-Site', 'cross-site')).status).toBe(403);
    expect((await request(e.url).post('/-/reload').set('Authorization', auth).set('Origin', 'https://evil.example')).status).toBe(403);
    expect(e.reloadCount()).toBe(0);
    const ok = await request(e.url).post('/-/reload').set('Authorization', auth);
    expect(ok.status).toBe(200);
    expect(e.reloadCount()).toBe(1);
  });

  test('30 concurrent reloads are serialized and debounced: every caller gets 200, at most two rebuilds', async () => {
    const cfg = () => exporterConfig({ url: tdb.url, only: ['users'], extra: { web: { enable_lifecycle: true } } });
    const e = await start({ web: { enable_lifecycle: true } }, { loadConfig: cfg });
    await e.ready();
    const res = await Promise.all(Array.from({ length: 30 }, () => request(e.url).post('/-/reload')));
    expect(res.map((r) => r.status)).toEqual(Array(30).fill(200));
    expect(e.reloadCount()).toBeGreaterThanOrEqual(1);
    expect(e.reloadCount()).toBeLessThanOrEqual(2);
    await eventually('collecting after the reloads', () => e.status().every((s) => s.attempted && s.up));
  });
});

describe('slow clients and idle sockets', () => {
  test('a client dribbling its headers is disconnected', async () => {
    const e = await start({}, { httpLimits: { headersTimeoutMs: 500, checkIntervalMs: 100 } });
    const s = net.connect(e.port, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    s.write('GET /metrics HTTP/1.1\r\n');
    const timer = setInterval(() => s.writable && s.write('X-Slow: 1\r\n'), 100);
    const closed = await new Promise<string>((r) => {
      let data = '';
      s.on('data', (d) => (data += d.toString()));
      s.on('close', () => r(data));
    });
    clearInterval(timer);
    expect(closed).toMatch(/^HTTP\/1\.1 408|^$/);
  });

  test('10k idle sockets: open connections never exceed listen.max_connections, idle ones are closed, scrapes work again', async () => {
    const max = 100;
    const e = await start(
      { listen: { address: '127.0.0.1', port: 0, max_connections: max } },
      { httpLimits: { headersTimeoutMs: 1_000, checkIntervalMs: 200 } },
    );
    const sockets: net.Socket[] = [];
    let peak = 0;
    try {
      for (let i = 0; i < 10_000; i++) {
        const s = net.connect(e.port, '127.0.0.1');
        s.on('error', () => undefined);
        sockets.push(s);
        if (i % 1000 === 999) {
          await new Promise((r) => setImmediate(r));
          peak = Math.max(peak, await e.connections());
        }
      }
      await eventually('all 10k sockets connected or refused', () => sockets.every((s) => !s.connecting), 60_000);
      peak = Math.max(peak, await e.connections());
      expect(peak).toBeLessThanOrEqual(max);
      await eventually('idle sockets closed by the server', async () => (await e.connections()) === 0, 30_000);
      expect((await request(e.url).get('/healthz')).status).toBe(200);
    } finally {
      for (const s of sockets) s.destroy();
    }
  }, 120_000);
});
