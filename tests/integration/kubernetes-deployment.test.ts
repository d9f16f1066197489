/**
 * The generated Deployment, run for real (no cluster here): the exporter process started with the
 * container's args, its ConfigMap written where the volume mounts it and the Secret's keys as files —
 * every mount path moved under a temp root, the only change. Its probe paths answer as the probes
 * expect, and /metrics takes the token the ServiceMonitor sends.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { M } from '../../shared/catalogue';
import { freePort } from '../../scripts/stack/processes';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { eventually } from '../support/exporter';
import { render } from '../support/kustomize';

const ROOT = path.join(__dirname, '../..');
const objects = render(path.join(ROOT, 'provisioning/kubernetes/base')) as any[];
const dep = objects.find((o) => o.kind === 'Deployment');
const pod = dep.spec.template.spec;
const container = pod.containers[0];
const sm = objects.find((o) => o.kind === 'ServiceMonitor');

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(() => tdb.drop());

test("the exporter starts from the Deployment's args, ConfigMap and Secret; probes and the scrape token work", async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'pulse-k8s-'));
  const moved = (p: string) => path.join(root, p);
  const mounts: { name: string; mountPath: string }[] = container.volumeMounts;
  // Every absolute mount path in args and config moves under the temp root.
  const remap = (text: string) =>
    mounts.reduce((t, m) => (m.mountPath === '/tmp' ? t : t.split(`${m.mountPath}/`).join(`${moved(m.mountPath)}/`)), text);
  for (const m of mounts) if (m.mountPath !== '/tmp') mkdirSync(moved(m.mountPath), { recursive: true });

  const mountOf = (volume: string) => mounts.find((m) => m.name === volume)!.mountPath;
  const configVolume = pod.volumes.find((v: any) => v.configMap);
  const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === configVolume.configMap.name);
  for (const [file, text] of Object.entries(configMap.data as Record<string, string>))
    writeFileSync(path.join(moved(mountOf(configVolume.name)), file), remap(text));

  const token = 'k8s-test-token';
  const secretDir = moved(mountOf('secrets'));
  const secretFiles: Record<string, string> = {
    'database-password': new URL(tdb.url).password,
    [sm.spec.endpoints[0].authorization.credentials.key]: token,
  };
  for (const [k, v] of Object.entries(secretFiles)) {
    writeFileSync(path.join(secretDir, k), v);
    chmodSync(path.join(secretDir, k), pod.volumes.find((v: any) => v.name === 'secrets').secret.defaultMode);
  }

  const port = await freePort();
  const args: string[] = container.args.map(remap);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'exporter/src/main.ts'), ...args], {
    cwd: ROOT,
    // The cluster reaches the replica by its Service name and the pod owns its port; here: the test
    // database and a free port on loopback.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: tdb.url, PORT: String(port), PULSE_LISTEN__ADDRESS: '127.0.0.1' },
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const url = `http://127.0.0.1:${port}`;
  const get = async (p: string, headers: Record<string, string> = {}) => {
    try {
      return await fetch(`${url}${p}`, { headers });
    } catch {
      return null;
    }
  };
  try {
    const probe = (p: { httpGet: { path: string } }) => get(p.httpGet.path);
    await eventually(
      `startup probe answers 200 (output so far: ${out})`,
      async () => (await probe(container.startupProbe))?.status === 200,
      60_000,
      250,
    );
    expect((await probe(container.livenessProbe))!.status).toBe(200);
    await eventually(
      'readiness probe answers 200 after the first collection',
      async () => (await probe(container.readinessProbe))?.status === 200,
      60_000,
      250,
    );

    const ep = sm.spec.endpoints[0];
    expect((await get(ep.path))!.status).toBe(401);
    const scraped = (await get(ep.path, { Authorization: `${ep.authorization.type} ${token}` }))!;
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain(`${M.collectorUp.name}{collector="orders"} 1`);
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
}, 120_000);
