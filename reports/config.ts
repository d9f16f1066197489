/**
 * Report scheduler configuration: its own YAML file (reports/config.example.yml), validated once
 * with zod; unknown keys are rejected so a typo is an error, not a silently ignored setting.
 */
import { readFileSync } from 'node:fs';
import cron from 'node-cron';
import YAML from 'yaml';
import { z } from 'zod';
import { duration, secretRef } from '../shared/config-primitives';

export class ReportsConfigError extends Error {
  override name = 'ReportsConfigError';
}

const url = z.string().refine((v) => /^https?:\/\/[^/]+/.test(v), { message: 'expected an http(s) URL' });

const cronExpr = z.string().refine((v) => cron.validate(v), { message: 'expected a cron expression such as "0 7 1 * *"' });

const timeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected an IANA time zone such as "Europe/Berlin"' },
);

/** 0 or a positive duration, seconds. */
const lag = z.union([z.string(), z.number()]).transform((v, ctx) => {
  if (v === 0 || v === '0' || v === '0s') return 0;
  const d = duration.safeParse(v);
  if (d.success) return d.data;
  ctx.addIssue({ code: 'custom', message: `expected 0 or a positive duration such as "2m", got ${JSON.stringify(v)}` });
  return z.NEVER;
});

const recipients = z.array(z.string().regex(/^[^@\s]+@[^@\s]+$/, 'expected an email address')).default([]);

export const reportsConfigSchema = z.strictObject({
  prometheus: z.strictObject({
    url,
    /** Per-request timeout. */
    timeout: duration.default(30),
  }),
  grafana: z.strictObject({ url }),
  time_zone: timeZone.default('UTC'),
  /**
   * The exporter's `collection.settle_lag`: its counters at t hold the rows up to t - settle_lag, so
   * report bounds are shifted by it and a period's figure counts the rows of the period.
   */
  settle_lag: lag.default(120),
  /** Currency of the headline GMV/AOV figures; every currency is listed in the transactions section. */
  headline_currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .default('EUR'),
  /** A report kind without a schedule is never sent by the daemon (the CLI can still render it). */
  schedules: z
    .strictObject({ monthly: cronExpr.optional(), weekly: cronExpr.optional(), daily: cronExpr.optional() })
    .default({ monthly: '0 7 1 * *', daily: '0 8 * * *' }),
  /** How often a pending (failed) period is retried between scheduled ticks. */
  retry_interval: duration.default(900),
  smtp: z
    .strictObject({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535).default(587),
      /** true: TLS from the first byte (port 465); false: STARTTLS, required (a server without it is refused). */
      secure: z.boolean().default(false),
      /** Lets mail (credentials, financial PDFs) travel unencrypted when the server offers no STARTTLS: local test servers only; logged. */
      insecure_allow_plaintext: z.boolean().default(false),
      user: z.string().min(1).optional(),
      password: secretRef.optional(),
      from: z.string().min(3),
    })
    .optional(),
  recipients: z
    .strictObject({ monthly: recipients, weekly: recipients, daily: recipients })
    .default({ monthly: [], weekly: [], daily: [] }),
  /**
   * The marketplace database for the seller reports (scorecards, management lists, accounting exports):
   * the exporter's read-only role and data contract. Without it the seller reports are not produced.
   */
  database: z
    .strictObject({
      url: z.string().regex(/^postgres(ql)?:\/\//, 'expected a URL such as postgres://user@host:5432/db'),
      password: secretRef.optional(),
      /** statement_timeout of the read-only transaction (and a client-side deadline for the whole report). */
      timeout: duration.default(300),
      application_name: z.string().min(1).default('marketplace-pulse-reports'),
    })
    .optional(),
  sellers: z
    .strictObject({
      /** Orders in the 30 days before the period end for the "power" / "active" segments (the exporter's thresholds). */
      segment_power_orders: z.number().int().min(2).default(20),
      segment_active_orders: z.number().int().min(1).default(5),
      /** A seller with less than this share of its credits left is listed as low on credit. */
      low_credit_ratio: z.number().gt(0).lt(1).default(0.1),
      /** Minimum orders in the period before a seller enters the refund/return-rate rankings. */
      min_orders: z.number().int().min(1).default(20),
    })
    .refine((t) => t.segment_active_orders < t.segment_power_orders, {
      message: 'segment_active_orders must be below segment_power_orders',
    })
    .default({ segment_power_orders: 20, segment_active_orders: 5, low_credit_ratio: 0.1, min_orders: 20 }),
  output_dir: z.string().min(1).default('reports-output'),
  state_dir: z.string().min(1).default('reports-state'),
  /** Self-metrics of the scheduler (`/metrics`); port 0 picks a free port. */
  listen: z
    .strictObject({ address: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535).default(9466) })
    .default({ address: '127.0.0.1', port: 9466 }),
  log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
});

export type ReportsConfig = z.infer<typeof reportsConfigSchema>;

export function parseReportsConfig(raw: unknown): ReportsConfig {
  const result = reportsConfigSchema.safeParse(raw ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.length ? issue.path.join('.') : '(top level)';
    throw new ReportsConfigError(`reports config error: ${where}: ${issue.message}`);
  }
  return result.data;
}

export function loadReportsConfig(file: string): ReportsConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ReportsConfigError(
      `reports config error: cannot read ${JSON.stringify(file)}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
  try {
    return parseReportsConfig(YAML.parse(text, { uniqueKeys: true }));
  } catch (e) {
    if (e instanceof ReportsConfigError) throw e;
    throw new ReportsConfigError(`reports config error: ${file}: invalid YAML: ${String((e as Error).message).split('\n')[0]}`);
  }
}
