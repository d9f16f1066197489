/**
 * The exporter-toolkit web configuration (`--web.config.file`), the file every Prometheus exporter
 * understands: TLS (with minimum version and client certificates), bcrypt basic auth and extra response
 * headers. Parsed into one validated type; any problem is a one-line `web config error: <field>: …`.
 * https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md
 */
import { existsSync, readFileSync } from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';

export class WebConfigError extends Error {
  override name = 'WebConfigError';
}

/** bcrypt in modular crypt format ($2a$/$2b$/$2y$, two-digit cost, 53 characters of salt + hash). */
const BCRYPT_RE = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
/** Below this cost a leaked hash is brute-forced quickly; exporter-toolkit's own examples use 10+. */
export const MIN_BCRYPT_COST = 10;

const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;
const CLIENT_AUTH = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
/** The response headers exporter-toolkit lets users set; anything else is rejected as it is there. */
const ALLOWED_HEADERS = [
  'Strict-Transport-Security',
  'X-Content-Type-Options',
  'X-Frame-Options',
  'X-XSS-Protection',
  'Content-Security-Policy',
];

const bcryptHash = z
  .string()
  .refine((h) => BCRYPT_RE.test(h), { message: 'expected a bcrypt hash such as "$2b$12$…" (htpasswd -nBC 12 user)' })
  .refine((h) => Number(BCRYPT_RE.exec(h)?.[1] ?? 0) >= MIN_BCRYPT_COST, {
    message: `expected a bcrypt cost of at least ${MIN_BCRYPT_COST}`,
  });

const webConfigSchema = z.strictObject({
  tls_server_config: z
    .strictObject({
      cert_file: z.string().min(1),
      key_file: z.string().min(1),
      client_auth_type: z.enum(CLIENT_AUTH).default('NoClientCert'),
      client_ca_file: z.string().min(1).optional(),
      min_version: z.enum(Object.keys(TLS_VERSIONS) as [keyof typeof TLS_VERSIONS]).default('TLS12'),
      max_version: z.enum(Object.keys(TLS_VERSIONS) as [keyof typeof TLS_VERSIONS]).optional(),
      /** Accepted for compatibility; Node's defaults only offer AEAD suites for TLS 1.2+. */
      prefer_server_cipher_suites: z.boolean().optional(),
    })
    .refine(
      (t) =>
        t.client_auth_type === 'NoClientCert' ||
        t.client_auth_type === 'RequestClientCert' ||
        t.client_auth_type === 'RequireAnyClientCert' ||
        t.client_ca_file !== undefined,
      {
        message: 'client_auth_type verifies client certificates and needs client_ca_file',
        path: ['client_ca_file'],
      },
    )
    .refine((t) => t.client_ca_file === undefined || t.client_auth_type !== 'NoClientCert', {
      message: 'client_ca_file is set but client_auth_type is NoClientCert (set e.g. RequireAndVerifyClientCert)',
      path: ['client_auth_type'],
    })
    .refine((t) => t.max_version === undefined || t.max_version >= t.min_version, {
      message: 'max_version is below min_version',
      path: ['max_version'],
    })
    .optional(),
  http_server_config: z
    .strictObject({
      http2: z.boolean().optional(),
      headers: z
        .record(z.string(), z.string().regex(/^[\t\x20-\x7e]*$/, 'expected a printable ASCII header value'))
        .refine((h) => Object.keys(h).every((k) => ALLOWED_HEADERS.some((a) => a.toLowerCase() === k.toLowerCase())), {
          message: `only these headers may be set: ${ALLOWED_HEADERS.join(', ')}`,
        })
        .optional(),
    })
    .optional(),
  basic_auth_users: z
    .record(
      z
        .string()
        .min(1)
        .regex(/^[^:]+$/, 'expected a user name without ":"'),
      bcryptHash,
    )
    .optional(),
});

export type WebConfig = z.output<typeof webConfigSchema> & { readonly source: string };

export interface TlsSettings {
  certFile: string;
  keyFile: string;
  caFile?: string;
  clientAuth: (typeof CLIENT_AUTH)[number];
  minVersion: (typeof TLS_VERSIONS)[keyof typeof TLS_VERSIONS];
  maxVersion?: (typeof TLS_VERSIONS)[keyof typeof TLS_VERSIONS];
}

export function tlsSettings(w: WebConfig): TlsSettings | undefined {
  const t = w.tls_server_config;
  if (!t) return undefined;
  return {
    certFile: t.cert_file,
    keyFile: t.key_file,
    caFile: t.client_ca_file,
    clientAuth: t.client_auth_type,
    minVersion: TLS_VERSIONS[t.min_version],
    maxVersion: t.max_version ? TLS_VERSIONS[t.max_version] : undefined,
  };
}

/** Validates parsed YAML; pure, so the bad-input tests need no files. */
export function parseWebConfig(raw: unknown, source = '(inline)'): WebConfig {
  const r = webConfigSchema.safeParse(raw ?? {});
  if (!r.success) {
    const i = r.error.issues[0]!;
    const field = i.path.length ? i.path.map(String).join('.') : '(top level)';
    const msg = i.code === 'unrecognized_keys' ? `unknown key(s) ${i.keys.map((k) => `"${k}"`).join(', ')}` : i.message;
    throw new WebConfigError(`web config error: ${source}: ${field}: ${msg}`);
  }
  const t = r.data.tls_server_config;
  for (const [field, p] of [
    ['cert_file', t?.cert_file],
    ['key_file', t?.key_file],
    ['client_ca_file', t?.client_ca_file],
  ] as const) {
    if (p !== undefined && !existsSync(p))
      throw new WebConfigError(`web config error: ${source}: tls_server_config.${field}: file ${JSON.stringify(p)} does not exist`);
  }
  return { ...r.data, source };
}

export function loadWebConfig(file: string): WebConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new WebConfigError(`web config error: cannot read ${JSON.stringify(file)}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let raw: unknown;
  try {
    raw = YAML.parse(text, { uniqueKeys: true });
  } catch (e) {
    throw new WebConfigError(`web config error: ${file}: invalid YAML: ${String((e as Error).message).split('\n')[0]}`);
  }
  return parseWebConfig(raw, file);
}
