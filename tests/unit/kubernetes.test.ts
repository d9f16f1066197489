/**
 * provisioning/kubernetes/: every object of the base and the overlays validates against its schema;
 * the rules, dashboards and Alertmanager routing are the ones provisioning/ ships; the Deployment
 * starts the exporter with its real flags, port, probe paths and config/secret paths.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AlertmanagerConfig } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1';
import { Probe, PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import YAML from 'yaml';
import { alertmanagerConfig, DEFAULT_OPTIONS } from '../../alerting/alertmanager';
import { DATASOURCES, SELECTORS } from '../../shared/conventions';
import { parseCli } from '../../exporter/src/cli';
import { parseConfig } from '../../exporter/src/config/load';
import { DEFAULT_LISTEN } from '../../exporter/src/config/schema';
import { HTTP_PATHS } from '../../exporter/src/http/app';
import { blackboxConfig } from '../../dashboards/provisioning/blackbox';
import { parseMatcher } from '../../dashboards/provisioning/kubernetes/alertmanager';
import { baseFiles, kubernetesFiles } from '../../dashboards/provisioning/kubernetes';
import { configText } from '../../dashboards/provisioning/kubernetes/exporter';
import { ROOT } from '../../shared/generated';
import { kubectlKustomize, key, render, type K8sObject } from '../support/kustomize';

const K8S = path.join(ROOT, 'provisioning/kubernetes');
const DIRS = { base: path.join(K8S, 'base'), ha: path.join(K8S, 'overlays/ha'), demo: path.join(K8S, 'overlays/demo') };

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/Probe': Probe,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
  'monitoring.coreos.com/v1alpha1/AlertmanagerConfig': AlertmanagerConfig,
};

function validate(o: K8sObject): void {
  const Model = MODELS[`${o.apiVersion}/${o.kind}`];
  if (!Model) throw new Error(`no schema for ${o.apiVersion}/${o.kind}`);
  try {
    new Model(o as never).validate();
  } catch (e) {
    throw new Error(`${key(o)}: ${String(e)}`);
  }
}

const rendered = { base: render(DIRS.base), ha: render(DIRS.ha), demo: render(DIRS.demo) };

function find<T = Record<string, any>>(objects: K8sObject[], kind: string, name?: string): T {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0] as T;
}
const all = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind) as Record<string, any>[];

describe('every object validates', () => {
  test.each(Object.keys(DIRS) as (keyof typeof DIRS)[])('%s: every rendered object validates against its schema', (name) => {
    const objects = rendered[name];
    expect(objects.length).toBeGreaterThan(20);
    for (const o of objects) validate(o);
    // Names are unique per kind (kustomize would refuse duplicates too).
    expect(new Set(objects.map(key)).size).toBe(objects.length);
  });

  test('a schema violation is caught (the validation is not a no-op)', () => {
    const d = structuredClone(find(rendered.base, 'Deployment')) as K8sObject & Record<string, any>;
    d.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    expect(() => validate(d)).toThrow(/containerPort must be integer/);
    const sm = structuredClone(find(rendered.base, 'ServiceMonitor')) as K8sObject & Record<string, any>;
    sm.spec.endpoints[0].interval = '15 seconds';
    expect(() => validate(sm)).toThrow(/interval must match pattern/);
  });

  test('kubectl kustomize renders the same objects (where kubectl is installed)', () => {
    for (const [name, dir] of Object.entries(DIRS)) {
      const theirs = kubectlKustomize(dir);
      if (theirs === null) return; // not installed: the renderer above is the check
      const byKey = (xs: K8sObject[]) => Object.fromEntries(xs.map((o) => [key(o), o]));
      expect({ name, objects: byKey(theirs) }).toEqual({ name, objects: byKey(rendered[name as keyof typeof DIRS]) });
    }
  });

  test('the tls component over ha: valid, kubectl-identical, TLS end to end, ha kept', () => {
    // An overlay of a user's own, outside the repository (kustomize wants relative paths).
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-overlay-'));
    try {
      const rel = (p: string) => path.relative(dir, path.join(K8S, p));
      writeFileSync(
        path.join(dir, 'kustomization.yaml'),
        YAML.stringify({ resources: [rel('overlays/ha')], components: [rel('components/tls')] }),
      );
      const objects = render(dir);
      for (const o of objects) validate(o);
      const theirs = kubectlKustomize(dir);
      if (theirs !== null)
        expect(Object.fromEntries(theirs.map((o) => [key(o), o]))).toEqual(Object.fromEntries(objects.map((o) => [key(o), o])));
      const dep = find(objects, 'Deployment');
      expect(dep.spec.replicas).toBe(2);
      expect(dep.spec.template.spec.affinity).toEqual(find(rendered.ha, 'Deployment').spec.template.spec.affinity);
      const c = dep.spec.template.spec.containers[0];
      for (const p of [c.startupProbe, c.livenessProbe, c.readinessProbe]) expect(p.httpGet.scheme).toBe('HTTPS');
      const text = find(objects, 'ConfigMap', 'marketplace-pulse-config').data['config.yml'];
      const config = parseConfig(YAML.parse(text), { env: {}, resolveSecrets: false });
      const tlsMount = c.volumeMounts.find((m: any) => m.name === 'tls').mountPath;
      expect(path.dirname(config.web.tls!.cert_file)).toBe(tlsMount);
      expect(config.web.bearer_token).toBeDefined();
      expect(dep.spec.template.metadata.annotations['marketplace-pulse.io/config-sha256']).toBe(
        createHash('sha256').update(text).digest('hex'),
      );
      const ep = find(objects, 'ServiceMonitor').spec.endpoints[0];
      expect(ep.scheme).toBe('https');
      expect(ep.tlsConfig.ca.secret.name).toBe(dep.spec.template.spec.volumes.find((v: any) => v.name === 'tls').secret.secretName);
      const svc = find(objects, 'Service');
      expect(ep.tlsConfig.serverName).toBe(`${svc.metadata.name}.${svc.metadata.namespace}.svc`);
      expect(ep.authorization).toEqual(find(rendered.base, 'ServiceMonitor').spec.endpoints[0].authorization);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('TLS without auth also generates valid, consistent objects', () => {
    const files = kubernetesFiles({ auth: 'none', tls: true });
    const base = files.filter((f) => f.path.includes('/base/') && !f.path.endsWith('kustomization.yaml'));
    const objects = base.flatMap((f) => YAML.parseAllDocuments(f.content).map((d) => d.toJS() as K8sObject));
    for (const o of objects) validate(o);
    const sm = find(objects, 'ServiceMonitor');
    expect(sm.spec.endpoints[0].scheme).toBe('https');
    expect(sm.spec.endpoints[0].authorization).toBeUndefined();
    const dep = find(objects, 'Deployment');
    const c = dep.spec.template.spec.containers[0];
    expect(c.readinessProbe.httpGet.scheme).toBe('HTTPS');
    const config = parseConfig(YAML.parse(find(objects, 'ConfigMap', 'marketplace-pulse-config').data['config.yml']), {
      env: {},
      resolveSecrets: false,
    });
    const tlsMount = c.volumeMounts.find((m: any) => m.name === 'tls').mountPath;
    expect(path.dirname(config.web.tls!.cert_file)).toBe(tlsMount);
    expect(path.dirname(config.web.tls!.key_file)).toBe(tlsMount);
    const tlsSecret = dep.spec.template.spec.volumes.find((v: any) => v.name === 'tls').secret.secretName;
    expect(sm.spec.endpoints[0].tlsConfig.ca.secret.name).toBe(tlsSecret);
    expect(config.web.bearer_token).toBeUndefined();
  });
});

describe('the same content as provisioning/', () => {
  test('each PrometheusRule holds exactly the groups of one rule file, and every rule file has one', () => {
    const rulesDir = path.join(ROOT, 'provisioning/prometheus/rules');
    const files = readdirSync(rulesDir).filter((f) => f.endsWith('.yml'));
    const rules = all(rendered.base, 'PrometheusRule');
    expect(rules.length).toBe(files.length);
    for (const f of files) {
      const groups = YAML.parse(readFileSync(path.join(rulesDir, f), 'utf8')).groups;
      const match = rules.filter((r) => JSON.stringify(r.spec.groups) === JSON.stringify(groups));
      expect({ file: f, matches: match.length }).toEqual({ file: f, matches: 1 });
    }
  });

  test('each dashboard ConfigMap holds the JSON of provisioning/grafana byte for byte, in its folder', () => {
    const dashDir = path.join(ROOT, 'provisioning/grafana/dashboards');
    const folders = readdirSync(dashDir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    const maps = all(rendered.base, 'ConfigMap').filter((c) => c.metadata.labels?.grafana_dashboard === '1');
    let count = 0;
    for (const folder of folders) {
      for (const f of readdirSync(path.join(dashDir, folder))) {
        count++;
        const text = readFileSync(path.join(dashDir, folder, f), 'utf8');
        const m = maps.filter((c) => c.data[f] !== undefined);
        expect(m.length).toBe(1);
        expect(m[0]!.data[f] === text).toBe(true);
        expect(m[0]!.metadata.annotations.grafana_folder).toBe(folder);
      }
    }
    expect(maps.length).toBe(count);
  });

  test('the datasource ConfigMap provides the uids the dashboards reference, not as default', () => {
    const ds = YAML.parse(Object.values(find(rendered.base, 'ConfigMap', 'marketplace-pulse-datasources').data)[0] as string).datasources;
    expect(ds.map((d: any) => d.uid).sort()).toEqual(
      [DATASOURCES.alertmanager.uid, DATASOURCES.prometheus.uid, DATASOURCES.postgres.uid].sort(),
    );
    expect(ds.every((d: any) => d.isDefault === false)).toBe(true);
  });

  test('the AlertmanagerConfig converts back to alertmanager.yml (routes, receivers, inhibitions, time intervals)', () => {
    const spec = find(rendered.base, 'AlertmanagerConfig').spec;
    const secrets: Record<string, string> = { 'chat-webhook-url': DEFAULT_OPTIONS.chatWebhookUrl };
    for (const [team, k] of Object.entries(DEFAULT_OPTIONS.routingKeys)) secrets[`pagerduty-routing-key-${team}`] = k;
    const matcher = (m: any) => `${m.name}${m.matchType}"${m.value}"`;
    const route = (r: any): any => {
      const out: any = {};
      const map: Record<string, string> = {
        receiver: 'receiver',
        groupBy: 'group_by',
        groupWait: 'group_wait',
        groupInterval: 'group_interval',
        repeatInterval: 'repeat_interval',
        activeTimeIntervals: 'active_time_intervals',
      };
      for (const [k, v] of Object.entries(r)) {
        if (k === 'matchers') out.matchers = (v as any[]).map(matcher);
        else if (k === 'routes') out.routes = (v as any[]).map(route);
        else out[map[k] ?? `UNKNOWN:${k}`] = v;
      }
      return out;
    };
    const kv = (xs: any[]) => Object.fromEntries(xs.map((x) => [x.key, x.value]));
    const receivers = spec.receivers.map((r: any) => {
      const out: any = { name: r.name };
      if (r.pagerdutyConfigs) {
        out.pagerduty_configs = r.pagerdutyConfigs.map((p: any) => ({
          routing_key: secrets[p.routingKey.key],
          url: p.url,
          send_resolved: p.sendResolved,
          severity: p.severity,
          description: p.description,
          client: p.client,
          details: kv(p.details),
        }));
      }
      if (r.emailConfigs)
        out.email_configs = r.emailConfigs.map((e: any) => ({
          to: e.to,
          send_resolved: e.sendResolved,
          headers: kv(e.headers),
          text: e.text,
        }));
      if (r.webhookConfigs) out.webhook_configs = r.webhookConfigs.map((w: any) => ({ url: w.url, send_resolved: w.sendResolved }));
      if (r.slackConfigs) {
        out.slack_configs = r.slackConfigs.map((s: any) => ({
          api_url: secrets[s.apiURL.key],
          channel: s.channel,
          send_resolved: s.sendResolved,
          title: s.title,
          title_link: s.titleLink,
          text: s.text,
        }));
      }
      return out;
    });
    const native = alertmanagerConfig({ secretsDir: null }) as any;
    expect(route(spec.route)).toEqual(native.route);
    expect(receivers).toEqual(native.receivers);
    expect(
      spec.inhibitRules.map((i: any) => ({
        source_matchers: i.sourceMatch.map(matcher),
        target_matchers: i.targetMatch.map(matcher),
        ...(i.equal ? { equal: i.equal } : {}),
      })),
    ).toEqual(native.inhibit_rules);
    expect(
      spec.muteTimeIntervals.map((t: any) => ({
        name: t.name,
        time_intervals: t.timeIntervals.map((ti: any) => ({
          weekdays: ti.weekdays,
          times: ti.times.map((x: any) => ({ start_time: x.startTime, end_time: x.endTime })),
          location: 'UTC',
        })),
      })),
    ).toEqual(native.time_intervals ?? []);
    // SMTP settings move from the global section onto every email receiver.
    for (const r of spec.receivers.filter((x: any) => x.emailConfigs)) {
      expect(r.emailConfigs[0]).toMatchObject({
        smarthost: native.global.smtp_smarthost,
        from: native.global.smtp_from,
        requireTLS: native.global.smtp_require_tls,
        authUsername: DEFAULT_OPTIONS.smtp.username,
        authPassword: { key: 'smtp-password' },
      });
    }
    // No credential is written into the object: only Secret references.
    const text = JSON.stringify(spec);
    for (const v of Object.values(secrets)) expect(text.includes(v)).toBe(false);
  });

  test('conversion refuses what the AlertmanagerConfig cannot express, with a one-line error', () => {
    expect(parseMatcher('feed=~"exporter_db|exporter_api"')).toEqual({ name: 'feed', matchType: '=~', value: 'exporter_db|exporter_api' });
    expect(parseMatcher('a!="x\\"y"')).toEqual({ name: 'a', matchType: '!=', value: 'x"y' });
    expect(() => parseMatcher('severity=page')).toThrow(/cannot convert matcher "severity=page"/);
  });
});

describe('the Deployment runs the exporter as the code defines it', () => {
  const dep = find(rendered.base, 'Deployment');
  const pod = dep.spec.template.spec;
  const c = pod.containers[0];
  const mountOf = (volume: string) => c.volumeMounts.find((m: any) => m.name === volume)?.mountPath as string;
  const volume = (name: string) => pod.volumes.find((v: any) => v.name === name);
  const configMap = find(rendered.base, 'ConfigMap', 'marketplace-pulse-config');

  test("args parse with the exporter's own option set and name the mounted ConfigMap key", () => {
    const { values } = parseCli(c.args);
    expect(values.config).toBeDefined();
    const configVolume = pod.volumes.find((v: any) => v.configMap?.name === configMap.metadata.name);
    expect(path.dirname(values.config!)).toBe(mountOf(configVolume.name));
    expect(Object.keys(configMap.data)).toEqual([path.basename(values.config!)]);
  });

  test("port and probe paths are the exporter's (default port of the config schema, routes of the app)", () => {
    const config = parseConfig(YAML.parse(configMap.data['config.yml']), { env: {}, resolveSecrets: false });
    expect(config.listen.port).toBe(DEFAULT_LISTEN.port);
    expect(c.ports).toEqual([{ name: 'http', containerPort: config.listen.port, protocol: 'TCP' }]);
    expect(c.livenessProbe.httpGet).toEqual({ path: HTTP_PATHS.health, port: 'http', scheme: 'HTTP' });
    expect(c.startupProbe.httpGet).toEqual({ path: HTTP_PATHS.health, port: 'http', scheme: 'HTTP' });
    expect(c.readinessProbe.httpGet).toEqual({ path: HTTP_PATHS.ready, port: 'http', scheme: 'HTTP' });
  });

  test('every secret the config reads is a key of the mounted Secret; state files live on the state volume', () => {
    const text = configMap.data['config.yml'] as string;
    const config = parseConfig(YAML.parse(text), { env: {}, resolveSecrets: false });
    const secretsMount = mountOf('secrets');
    expect(volume('secrets').secret.secretName).toBe('marketplace-pulse');
    expect(path.dirname(config.database.password!.file!)).toBe(secretsMount);
    expect(path.dirname(config.web.bearer_token!.file!)).toBe(secretsMount);
    // The commented payment provider example is a valid config too, with its state on the state volume.
    const example = text
      .split('\n')
      .filter((l) => l.startsWith('#   ') || l === '# payment_providers:')
      .map((l) => l.slice(2))
      .join('\n');
    const withProviders = parseConfig({ ...YAML.parse(text), ...YAML.parse(example) }, { env: {}, resolveSecrets: false });
    for (const p of [withProviders.payment_providers.stripe!, withProviders.payment_providers.paypal!]) {
      expect(p.enabled).toBe(true);
      expect(path.dirname(p.state_file!)).toBe(mountOf('state'));
    }
    expect(path.dirname(withProviders.payment_providers.stripe!.api_key!.file!)).toBe(secretsMount);
    // The config is never the simulator against a real database.
    expect(config.demo.mode).toBe('off');
    expect(config.database.url).toMatch(/^postgres:\/\//);
  });

  test('non-root, read-only root filesystem, resources set, every mount backed by a volume', () => {
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(c.resources.requests.memory).toBe('256Mi');
    expect(c.resources.limits.memory).toBe('384Mi');
    for (const m of c.volumeMounts) expect(volume(m.name)).toBeDefined();
    expect(volume('state').emptyDir).toBeDefined();
    // The resources come with where their numbers come from.
    expect(readFileSync(path.join(DIRS.base, 'deployment.yaml'), 'utf8')).toMatch(/# From README "Performance".*188-192 MiB peak/);
  });

  test("the config checksum on the pod template is the ConfigMap's (a config change rolls the pods)", () => {
    for (const objects of [rendered.base, rendered.ha, rendered.demo]) {
      const text = find(objects, 'ConfigMap', 'marketplace-pulse-config').data['config.yml'];
      const annotation = find(objects, 'Deployment').spec.template.metadata.annotations['marketplace-pulse.io/config-sha256'];
      expect(annotation).toBe(createHash('sha256').update(text).digest('hex'));
    }
  });
});

describe('scraping and probing', () => {
  const svc = find(rendered.base, 'Service');
  const sm = find(rendered.base, 'ServiceMonitor');
  const dep = find(rendered.base, 'Deployment');

  test('the ServiceMonitor selects the Service, scrapes its port and path, and yields the job the rules select', () => {
    for (const [k, v] of Object.entries(sm.spec.selector.matchLabels)) expect(svc.metadata.labels[k]).toBe(v);
    for (const [k, v] of Object.entries(svc.spec.selector)) expect(dep.spec.template.metadata.labels[k]).toBe(v);
    const ep = sm.spec.endpoints[0];
    expect(svc.spec.ports.map((p: any) => p.name)).toContain(ep.port);
    expect(svc.spec.ports[0].targetPort).toBe(dep.spec.template.spec.containers[0].ports[0].name);
    expect(ep.path).toBe(HTTP_PATHS.metrics);
    expect(svc.metadata.labels[sm.spec.jobLabel]).toBe(SELECTORS.exporterJob);
    expect(ep.interval).toBe('15s');
    expect(ep.scrapeTimeout).toBe('10s');
  });

  test('the scrape token is the same Secret key the exporter reads its bearer token from', () => {
    const config = parseConfig(YAML.parse(find(rendered.base, 'ConfigMap', 'marketplace-pulse-config').data['config.yml']), {
      env: {},
      resolveSecrets: false,
    });
    const cred = sm.spec.endpoints[0].authorization.credentials;
    const secretVolume = dep.spec.template.spec.volumes.find((v: any) => v.name === 'secrets');
    expect(cred.name).toBe(secretVolume.secret.secretName);
    expect(path.basename(config.web.bearer_token!.file!)).toBe(cred.key);
  });

  test('replica-specific target labels are the ones HA queries collapse', () => {
    // prometheus-operator gives each target namespace, service, endpoint, container, pod and instance;
    // only pod and instance differ between two replicas of one Deployment.
    expect([...SELECTORS.replicaLabels].sort()).toEqual(['instance', 'pod']);
  });

  test('the Probe uses the blackbox job the SLO rules select and a module blackbox.yml defines', () => {
    const probe = find(rendered.base, 'Probe');
    expect(probe.spec.jobName).toBe(SELECTORS.blackboxJob);
    expect(Object.keys(blackboxConfig().modules as object)).toContain(probe.spec.module);
    const rules = all(rendered.base, 'PrometheusRule').flatMap((r) => r.spec.groups.flatMap((g: any) => g.rules));
    expect(rules.some((r: any) => r.expr.includes(`job="${SELECTORS.blackboxJob}"`))).toBe(true);
    expect(rules.some((r: any) => r.expr.includes(`job="${SELECTORS.exporterJob}"`))).toBe(true);
    // The demo probes its own exporter through the Service.
    const demoProbe = find(rendered.demo, 'Probe');
    expect(demoProbe.spec.targets.staticConfig.static).toEqual([
      `http://${svc.metadata.name}.${svc.metadata.namespace}.svc:${svc.spec.ports[0].port}/`,
    ]);
  });
});

describe('overlays', () => {
  test('ha: two replicas kept apart, a disruption budget that keeps one serving', () => {
    const dep = find(rendered.ha, 'Deployment');
    expect(dep.spec.replicas).toBe(2);
    const term = dep.spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm;
    expect(term.topologyKey).toBe('kubernetes.io/hostname');
    for (const [k, v] of Object.entries(term.labelSelector.matchLabels)) expect(dep.spec.template.metadata.labels[k]).toBe(v);
    const pdb = find(rendered.ha, 'PodDisruptionBudget');
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(dep.spec.selector.matchLabels);
    // The rest of the base is untouched.
    expect(dep.spec.template.spec.containers).toEqual(find(rendered.base, 'Deployment').spec.template.spec.containers);
  });

  test('demo: embedded database and simulator, one replica, the measured demo resources, a Secret to start with', () => {
    const dep = find(rendered.demo, 'Deployment');
    expect(dep.spec.replicas).toBe(1);
    const config = parseConfig(YAML.parse(find(rendered.demo, 'ConfigMap', 'marketplace-pulse-config').data['config.yml']), {
      env: {},
      resolveSecrets: false,
    });
    expect(config.demo.mode).toBe('on');
    expect(config.database.url).toBeUndefined();
    const c = dep.spec.template.spec.containers[0];
    expect(path.dirname(config.demo.data_dir!)).toBe(c.volumeMounts.find((m: any) => m.name === 'state').mountPath);
    expect(c.resources.limits.memory).toBe('1280Mi');
    expect(c.startupProbe).toMatchObject({ httpGet: { path: HTTP_PATHS.health }, failureThreshold: 90 });
    const secret = find(rendered.demo, 'Secret');
    expect(Object.keys(secret.stringData)).toEqual([path.basename(config.web.bearer_token!.file!)]);
    // Everything else in the pod is the base's.
    const base = find(rendered.base, 'Deployment').spec.template.spec;
    expect(dep.spec.template.spec.volumes).toEqual(base.volumes);
    expect(c.args).toEqual(base.containers[0].args);
  });
});

test('the generator fails on an exporter config the exporter would reject', () => {
  // Guard of configText: the base files are built through it.
  expect(() => baseFiles()).not.toThrow();
  expect(() => configText({ demo: { mode: 'sometimes' } })).toThrow(/config error: demo\.mode: expected one of "auto", "on", "off"/);
});
