/**
 * Loads configuration: YAML file, then environment overrides, then validation. Any problem becomes a
 * ConfigError whose message is one line naming the field and what was expected.
 */
import { readFileSync, existsSync } from 'node:fs';
import YAML from 'yaml';
import type { z } from 'zod';
import { CONFIG_FILE_ENV } from '../cli';
import { catalogue } from '../../../shared/catalogue';
import { configSchema, type ParsedConfig } from './schema';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Environment variables with a fixed meaning; anything else is read from PULSE_<SECTION>__<KEY>. */
const ENV_SHORTHANDS: Record<string, string[]> = {
  DATABASE_URL: ['database', 'url'],
  LOG_LEVEL: ['log', 'level'],
};

/** Top-level sections PULSE_<SECTION>__<KEY> may address; other PULSE_* variables are not ours. */
const SECTIONS = new Set(Object.keys(configSchema.shape));

export interface LoadOptions {
  file?: string;
  /** Settings applied under the file's (the file wins); the demo uses it for its payment fakes. */
  base?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  /** Secrets referenced by the config must resolve; off only for `--check-config` of a file meant for another host. */
  resolveSecrets?: boolean;
  /** Command-line flags (`--web.config.file`, `--web.enable-lifecycle`), applied over file and env. */
  overrides?: Record<string, unknown>;
}

/** `warnings`: settings that were ignored, for the caller to log once its logger exists. */
export type Config = ParsedConfig & { readonly source: string; readonly warnings: readonly string[] };

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

/** Env values are YAML scalars, so PULSE_LISTEN__PORT=9100 is a number and PULSE_X__ENABLED=false a boolean. */
function parseScalar(v: string): unknown {
  try {
    return YAML.parse(v);
  } catch {
    return v;
  }
}

export function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv, warnings: string[] = []): Record<string, unknown> {
  for (const [name, path] of Object.entries(ENV_SHORTHANDS)) {
    const v = env[name];
    if (v !== undefined && v !== '') setPath(raw, path, name === 'DATABASE_URL' ? v : parseScalar(v));
  }
  // PORT (set by many platforms and base images) only fills in a port the file leaves unset; it never
  // silently replaces an explicit listen.port.
  const port = env.PORT;
  if (port !== undefined && port !== '') {
    const listen = raw.listen as Record<string, unknown> | undefined;
    if (listen?.port === undefined) setPath(raw, ['listen', 'port'], parseScalar(port));
    else if (String(listen.port) !== port)
      warnings.push(`environment variable PORT=${port} ignored: listen.port is set to ${String(listen.port)}`);
  }
  for (const [name, v] of Object.entries(env)) {
    if (!name.startsWith('PULSE_') || name === CONFIG_FILE_ENV || v === undefined) continue;
    const path = name.slice('PULSE_'.length).toLowerCase().split('__');
    // Kubernetes service links (PULSE_PORT=tcp://…, PULSE_SERVICE_HOST) and other tools' variables share
    // the prefix: anything that is not PULSE_<known section>__<key> is not configuration.
    if (path.length < 2 || !SECTIONS.has(path[0]!)) {
      warnings.push(`environment variable ${name} ignored: not PULSE_<SECTION>__<KEY> with a known section`);
      continue;
    }
    if (path.some((p) => p === '')) throw new ConfigError(`config error: environment variable ${name}: expected PULSE_<SECTION>__<KEY>`);
    setPath(raw, path, parseScalar(v));
  }
  return raw;
}

function describe(issue: z.core.$ZodIssue): string {
  const field = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
  if (issue.code === 'unrecognized_keys') return `${field}: unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_value' && 'values' in issue)
    return `${field}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  if (issue.code === 'invalid_key') return `${field}: unknown name (expected a built-in collector name)`;
  return `${field}: ${issue.message}`;
}

function checkSecretFiles(cfg: ParsedConfig, env: NodeJS.ProcessEnv): void {
  const refs: [string, { file?: string; env?: string } | undefined][] = [
    ['database.password', cfg.database.password],
    ['web.basic_auth.password', cfg.web.basic_auth?.password],
    ['web.bearer_token', cfg.web.bearer_token],
    ['payment_providers.stripe.api_key', cfg.payment_providers.stripe?.api_key],
    ['payment_providers.paypal.client_id', cfg.payment_providers.paypal?.client_id],
    ['payment_providers.paypal.client_secret', cfg.payment_providers.paypal?.client_secret],
  ];
  for (const [field, ref] of refs) {
    if (!ref) continue;
    if (ref.file !== undefined && !existsSync(ref.file))
      throw new ConfigError(`config error: ${field}.file: secret file ${JSON.stringify(ref.file)} does not exist`);
    if (ref.env !== undefined && !env[ref.env])
      throw new ConfigError(`config error: ${field}.env: environment variable ${ref.env} is not set`);
  }
  for (const field of ['cert_file', 'key_file'] as const) {
    const p = cfg.web.tls?.[field];
    if (p !== undefined && !existsSync(p))
      throw new ConfigError(`config error: web.tls.${field}: file ${JSON.stringify(p)} does not exist`);
  }
}

export function parseConfig(
  raw: unknown,
  opts: { env?: NodeJS.ProcessEnv; resolveSecrets?: boolean; source?: string; overrides?: Record<string, unknown> } = {},
): Config {
  const env = opts.env ?? process.env;
  const base = raw === null || raw === undefined ? {} : raw;
  if (typeof base !== 'object' || Array.isArray(base)) throw new ConfigError('config error: (top level): expected a YAML mapping');
  const warnings: string[] = [];
  let merged = applyEnv(structuredClone(base) as Record<string, unknown>, env, warnings);
  if (opts.overrides) merged = mergeUnder(merged, opts.overrides) as Record<string, unknown>;
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const first = result.error.issues[0]!;
    throw new ConfigError(`config error: ${describe(first)}`);
  }
  if (opts.resolveSecrets !== false) checkSecretFiles(result.data, env);
  checkCustomMetricNames(result.data);
  return Object.freeze({ ...result.data, source: opts.source ?? '(defaults)', warnings });
}

/**
 * Custom metrics may not shadow a built-in family (two producers of one name would merge or clash at
 * scrape time), repeat one another, or use label names Prometheus reserves.
 */
function checkCustomMetricNames(cfg: ParsedConfig): void {
  const seen = new Set<string>();
  const builtIn = new Set(catalogue.map((m) => m.name));
  cfg.custom_metrics.forEach((m, i) => {
    const family = m.name.replace(/_(total|bucket|sum|count|created|info)$/, '');
    if (
      builtIn.has(m.name) ||
      [...builtIn].some((b) => b.replace(/_(total|info)$/, '') === family) ||
      /^(marketplace_exporter_|process_|nodejs_|go_|promhttp_)/.test(m.name)
    ) {
      throw new ConfigError(`config error: custom_metrics.${i}.name: "${m.name}" is reserved (a built-in metric or prefix)`);
    }
    if (seen.has(family)) throw new ConfigError(`config error: custom_metrics.${i}.name: "${m.name}" is declared twice`);
    seen.add(family);
    const labels = new Set<string>();
    for (const l of m.labels) {
      if (l === 'le' || l === 'quantile' || l.startsWith('__'))
        throw new ConfigError(`config error: custom_metrics.${i}.labels: "${l}" is a reserved label name`);
      if (labels.has(l)) throw new ConfigError(`config error: custom_metrics.${i}.labels: "${l}" is listed twice`);
      if (l in cfg.labels) throw new ConfigError(`config error: custom_metrics.${i}.labels: "${l}" is also a static label (labels.${l})`);
      labels.add(l);
    }
  });
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const file = opts.file ?? env[CONFIG_FILE_ENV];
  let raw: unknown = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError(
        `config error: cannot read config file ${JSON.stringify(file)}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      );
    }
    try {
      raw = YAML.parse(text, { uniqueKeys: true }) ?? {};
    } catch (e) {
      const msg = String((e as Error).message).split('\n')[0];
      throw new ConfigError(`config error: ${file}: invalid YAML: ${msg}`);
    }
  }
  if (opts.base) raw = mergeUnder(opts.base, raw);
  return parseConfig(raw, { env, resolveSecrets: opts.resolveSecrets, source: file ?? '(defaults)', overrides: opts.overrides });
}

/** Deep-merges `top` over `base`: mappings merge key by key, anything else in `top` replaces. */
function mergeUnder(base: Record<string, unknown>, top: unknown): unknown {
  if (top === null || typeof top !== 'object' || Array.isArray(top)) return top ?? base;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(top as Record<string, unknown>)) {
    const b = out[k];
    out[k] = b && typeof b === 'object' && !Array.isArray(b) ? mergeUnder(b as Record<string, unknown>, v) : v;
  }
  return out;
}

// Payment clients and the database read secrets through here; the function is shared with reports/.
export { readSecret } from '../../../shared/config-primitives';
