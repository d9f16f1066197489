/**
 * Loads configuration: YAML file, then environment overrides, then validation. Any problem becomes a
 * ConfigError whose message is one line naming the field and what was expected.
 */
import { readFileSync, existsSync } from 'node:fs';
import YAML from 'yaml';
import type { z } from 'zod';
import { configSchema, type ParsedConfig } from './schema';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Environment variables with a fixed meaning; anything else is read from PULSE_<SECTION>__<KEY>. */
const ENV_SHORTHANDS: Record<string, string[]> = {
  DATABASE_URL: ['database', 'url'],
  PORT: ['listen', 'port'],
  LOG_LEVEL: ['log', 'level'],
};

export interface LoadOptions {
  file?: string;
  /** Settings applied under the file's (the file wins); the demo uses it for its payment fakes. */
  base?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  /** Secrets referenced by the config must resolve; off only for `--check-config` of a file meant for another host. */
  resolveSecrets?: boolean;
}

export type Config = ParsedConfig & { readonly source: string };

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

export function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  for (const [name, path] of Object.entries(ENV_SHORTHANDS)) {
    const v = env[name];
    if (v !== undefined && v !== '') setPath(raw, path, name === 'DATABASE_URL' ? v : parseScalar(v));
  }
  for (const [name, v] of Object.entries(env)) {
    if (!name.startsWith('PULSE_') || name === 'PULSE_CONFIG' || v === undefined) continue;
    const path = name.slice('PULSE_'.length).toLowerCase().split('__');
    if (path.some((p) => p === '')) throw new ConfigError(`config error: environment variable ${name}: expected PULSE_<SECTION>__<KEY>`);
    setPath(raw, path, parseScalar(v));
  }
  return raw;
}

function describe(issue: z.core.$ZodIssue): string {
  const field = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
  if (issue.code === 'unrecognized_keys') return `${field}: unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_value' && 'values' in issue) return `${field}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
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
    if (ref.file !== undefined && !existsSync(ref.file)) throw new ConfigError(`config error: ${field}.file: secret file ${JSON.stringify(ref.file)} does not exist`);
    if (ref.env !== undefined && !env[ref.env]) throw new ConfigError(`config error: ${field}.env: environment variable ${ref.env} is not set`);
  }
  for (const field of ['cert_file', 'key_file'] as const) {
    const p = cfg.web.tls?.[field];
    if (p !== undefined && !existsSync(p)) throw new ConfigError(`config error: web.tls.${field}: file ${JSON.stringify(p)} does not exist`);
  }
}

export function parseConfig(raw: unknown, opts: { env?: NodeJS.ProcessEnv; resolveSecrets?: boolean; source?: string } = {}): Config {
  const env = opts.env ?? process.env;
  const base = raw === null || raw === undefined ? {} : raw;
  if (typeof base !== 'object' || Array.isArray(base)) throw new ConfigError('config error: (top level): expected a YAML mapping');
  const merged = applyEnv(structuredClone(base) as Record<string, unknown>, env);
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const first = result.error.issues[0]!;
    throw new ConfigError(`config error: ${describe(first)}`);
  }
  if (opts.resolveSecrets !== false) checkSecretFiles(result.data, env);
  return Object.freeze({ ...result.data, source: opts.source ?? '(defaults)' });
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const file = opts.file ?? env.PULSE_CONFIG;
  let raw: unknown = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError(`config error: cannot read config file ${JSON.stringify(file)}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    try {
      raw = YAML.parse(text, { uniqueKeys: true }) ?? {};
    } catch (e) {
      const msg = String((e as Error).message).split('\n')[0];
      throw new ConfigError(`config error: ${file}: invalid YAML: ${msg}`);
    }
  }
  if (opts.base) raw = mergeUnder(opts.base, raw);
  return parseConfig(raw, { env, resolveSecrets: opts.resolveSecrets, source: file ?? '(defaults)' });
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

/** Reads a secret reference; callers never log the result. */
export function readSecret(ref: { file?: string; env?: string }, env: NodeJS.ProcessEnv = process.env): string {
  if (ref.file !== undefined) return readFileSync(ref.file, 'utf8').trim();
  return env[ref.env!] ?? '';
}
