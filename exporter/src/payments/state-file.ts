/**
 * Persists a poller's watermark and totals after every committed poll, through the durable state
 * file (atomic rename, fsync, 0600, versioned, checksummed), validated against the poller's schema on
 * read. A bad file (truncated, hand-edited, `watermark: "abc"`) is moved aside and reported once as
 * this collector's failure; the poller then starts afresh, and no other collector is affected.
 */
import { readFileSync } from 'node:fs';
import { z, type ZodType } from 'zod';
import { readStateFile, writeStateFile, type StateEnvelope } from '../runtime/durable-file';

export const countersSchema = z.strictObject({
  payments: z.record(z.string(), z.number().int().nonnegative()),
  amounts: z.record(z.string(), z.number().int()),
  failures: z.record(z.string(), z.number().int().nonnegative()),
  payoutsFailed: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative().optional(),
});

/** Unix seconds; null before the first poll. */
export const watermarkSchema = z.number().int().nonnegative().nullable();

export interface LoadedState<T> {
  value: T | null;
  /** Why an existing file was refused (one line); it was moved aside. */
  refused?: string;
}

export class StateFile<T> {
  constructor(
    private readonly file: string | undefined,
    private readonly envelope: StateEnvelope,
    private readonly schema: ZodType<T>,
  ) {}

  load(): LoadedState<T> {
    if (!this.file) return { value: null };
    const legacy = this.legacy();
    if (legacy !== null) return { value: legacy };
    const r = readStateFile(this.file, this.envelope, this.schema);
    if (r.kind === 'ok') return { value: r.value };
    if (r.kind === 'missing') return { value: null };
    return { value: null, refused: `state file ${this.file} refused (${r.reason})${r.movedTo ? `, moved to ${r.movedTo}` : ''}` };
  }

  /** Files written before the durable envelope: plain JSON, accepted only if the schema agrees. */
  private legacy(): T | null {
    try {
      const doc = JSON.parse(readFileSync(this.file!, 'utf8')) as Record<string, unknown>;
      if (doc && typeof doc === 'object' && !('payload' in doc)) {
        const r = this.schema.safeParse(doc);
        if (r.success) return r.data;
      }
    } catch {
      // missing or not JSON: readStateFile reports it
    }
    return null;
  }

  save(state: T): void {
    if (!this.file) return;
    writeStateFile(this.file, this.envelope, state);
  }
}
