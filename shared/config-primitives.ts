/**
 * Config building blocks that the exporter's and the report scheduler's schemas both use: durations
 * and secret references (never written inline in YAML), and reading a secret at run time.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400 };

/** A duration written as "30s", "5m", "1h" (or a positive number of seconds); parsed to seconds. */
export const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  if (typeof v === 'number') {
    if (v > 0 && Number.isFinite(v)) return v;
  } else {
    const m = DURATION_RE.exec(v.trim());
    if (m) {
      const s = Number(m[1]) * UNIT_SECONDS[m[2]!]!;
      if (s > 0) return s;
    }
  }
  ctx.addIssue({ code: 'custom', message: `expected a positive duration such as "30s" or "5m", got ${JSON.stringify(v)}` });
  return z.NEVER;
});

/** A secret: read from a file or from an environment variable, never written inline in YAML. */
export const secretRef = z
  .strictObject({
    file: z.string().min(1).optional(),
    env: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/)
      .optional(),
  })
  .refine((s) => (s.file === undefined) !== (s.env === undefined), { message: 'expected exactly one of "file" or "env"' });

/** Reads a secret reference; callers never log the result. */
export function readSecret(ref: { file?: string; env?: string }, env: NodeJS.ProcessEnv = process.env): string {
  if (ref.file !== undefined) return readFileSync(ref.file, 'utf8').trim();
  return env[ref.env!] ?? '';
}
