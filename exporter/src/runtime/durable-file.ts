/**
 * Durable state files: what the exporter keeps on disk between runs (payment watermarks, collector
 * horizons and aggregates, report delivery state). A write never leaves half a file, survives a power
 * cut once it returned, and is readable by the exporter's user only. A read never crashes the caller
 * on a bad file: it says why the file was refused and moves it aside for inspection.
 *
 * On disk: `{ "format": <kind>, "version": n, "sha256": hex, "payload": <the state> }`. The checksum
 * covers the payload's JSON text, so a truncated or hand-edited file is caught before the schema is.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { ZodType } from 'zod';

/** Writes `data` to `file` atomically: unpredictable temp name (O_EXCL, 0600), fsync, rename, fsync dir. */
export function writeFileDurable(file: string, data: string | Buffer): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(8).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, file);
  // The rename itself is durable only once the directory entry is on disk.
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

export interface StateEnvelope {
  /** What kind of state this is (e.g. "stripe-poller"): a file of another kind is refused. */
  format: string;
  version: number;
}

export type StateRead<T> =
  | { kind: 'missing' }
  | { kind: 'ok'; value: T }
  /** The file was refused (why, in one line) and renamed to `movedTo` so it is not read again. */
  | { kind: 'refused'; reason: string; movedTo: string | null };

function checksum(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Serialises `value` in the versioned, checksummed envelope and writes it durably. */
export function writeStateFile<T>(file: string, envelope: StateEnvelope, value: T): void {
  const payload = JSON.stringify(value);
  writeFileDurable(
    file,
    `{"format":${JSON.stringify(envelope.format)},"version":${envelope.version},"sha256":"${checksum(payload)}","payload":${payload}}`,
  );
}

/**
 * Reads a state file written by `writeStateFile`. Missing → `missing`; unreadable, truncated, of
 * another format or version, with a bad checksum or a payload the schema refuses → `refused`, with
 * the file moved aside (`<file>.refused-<epoch ms>`). Never throws for a bad file.
 */
export function readStateFile<T>(file: string, envelope: StateEnvelope, schema: ZodType<T>): StateRead<T> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'refused', reason: `cannot read: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, movedTo: null };
  }
  // Parsed once: window state files run to tens of MiB, and a restart reads all of them.
  const checked = refusal(text, envelope);
  if (typeof checked !== 'string') {
    const parsed = schema.safeParse(checked.payload);
    if (parsed.success) return { kind: 'ok', value: parsed.data };
    const issue = parsed.error.issues[0];
    return moveAside(file, `invalid payload at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'rejected'}`);
  }
  return moveAside(file, checked);
}

/** Why the file is refused, or its parsed document. */
function refusal(text: string, envelope: StateEnvelope): string | { payload: unknown } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return 'not JSON (truncated or corrupt)';
  }
  if (typeof doc !== 'object' || doc === null) return 'not a state file';
  const d = doc as Record<string, unknown>;
  if (d.format !== envelope.format) return `format ${JSON.stringify(d.format)}, expected ${JSON.stringify(envelope.format)}`;
  if (d.version !== envelope.version) return `version ${JSON.stringify(d.version)}, expected ${envelope.version}`;
  // The payload's text as written: the checksum is over the exact bytes, not a re-serialisation.
  const start = text.indexOf('"payload":');
  if (start < 0 || !text.endsWith('}')) return 'no payload';
  const payloadText = text.slice(start + '"payload":'.length, -1);
  if (checksum(payloadText) !== d.sha256) return 'checksum mismatch';
  return d as { payload: unknown };
}

function moveAside(file: string, reason: string): StateRead<never> {
  const movedTo = `${file}.refused-${Date.now()}`;
  try {
    renameSync(file, movedTo);
    return { kind: 'refused', reason, movedTo };
  } catch {
    return { kind: 'refused', reason, movedTo: null };
  }
}
