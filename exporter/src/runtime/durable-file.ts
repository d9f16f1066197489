/**
 * Durable state files: what the exporter keeps on disk between runs (payment watermarks, collector
 * horizons and aggregates, report delivery state). A write never leaves half a file, survives a power
 * cut once it returned, and is readable by the exporter's user only. A read never crashes the caller
 * on a bad file: it says why the file was refused and moves it aside for inspection.
 *
 * On disk, small states (watermarks, counter totals) are JSON:
 * `{ "format": <kind>, "version": n, "sha256": hex, "payload": <the state> }`. The checksum covers the
 * payload's JSON text, so a truncated or hand-edited file is caught before the schema is. Large states
 * (window facts, tens of MiB) are binary, see writeBinaryStateFile: no base64, no giant string.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ZodError, ZodType } from 'zod';

/**
 * Writes `data` (one buffer, or parts written in order) to `file` atomically: unpredictable temp name
 * (O_EXCL, 0600), fsync, rename, fsync dir.
 */
export function writeFileDurable(file: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(8).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    const parts = typeof data === 'string' ? [Buffer.from(data)] : data instanceof Uint8Array ? [data] : data;
    for (const part of parts) {
      // writeSync may write less than asked (a full disk reports ENOSPC on the next call).
      for (let done = 0; done < part.byteLength; ) done += writeSync(fd, part, done);
    }
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
    return openFailure(e);
  }
  // Parsed once: window state files run to tens of MiB, and a restart reads all of them.
  const checked = refusal(text, envelope);
  if (typeof checked !== 'string') {
    const parsed = schema.safeParse(checked.payload);
    return parsed.success ? { kind: 'ok', value: parsed.data } : moveAside(file, payloadRefusal(parsed.error));
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
  const mismatch = envelopeMismatch(d, envelope);
  if (mismatch) return mismatch;
  // The payload's text as written: the checksum is over the exact bytes, not a re-serialisation.
  const start = text.indexOf('"payload":');
  if (start < 0 || !text.endsWith('}')) return 'no payload';
  const payloadText = text.slice(start + '"payload":'.length, -1);
  if (checksum(payloadText) !== d.sha256) return 'checksum mismatch';
  return d as { payload: unknown };
}

/** A state file that could not be opened: missing, or refused (left where it is) with the error code. */
function openFailure(e: unknown): StateRead<never> {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? { kind: 'missing' } : { kind: 'refused', reason: `cannot read: ${code ?? 'error'}`, movedTo: null };
}

/** Why a document of another kind or version than `envelope` is refused, or null when it matches. */
function envelopeMismatch(d: Record<string, unknown>, envelope: StateEnvelope): string | null {
  if (d.format !== envelope.format) return `format ${JSON.stringify(d.format)}, expected ${JSON.stringify(envelope.format)}`;
  if (d.version !== envelope.version) return `version ${JSON.stringify(d.version)}, expected ${envelope.version}`;
  return null;
}

/** The first schema issue of a refused payload, as the refusal's reason. */
function payloadRefusal(error: ZodError): string {
  const issue = error.issues[0];
  return `invalid payload at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'rejected'}`;
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

/**
 * Binary state file: the same guarantees as the JSON one (atomic, versioned, checksummed, refused
 * with a reason), for states made of large typed arrays, which are written and read as raw bytes.
 *
 *   [0, 8)          magic "PULSEBIN"
 *   [8, 12)         header length H, uint32 little-endian
 *   [12, 44)        sha256 of every byte from 44 to the end (header and sections)
 *   [44, 44 + H)    header, JSON: { format, version, endian, sections: [byte lengths], payload }
 *                   padded with spaces so the first section starts at a multiple of 8
 *   sections        raw bytes in host order (`endian` says which), each padded with zeros to a
 *                   multiple of 8 so every section can be viewed as a Float64Array
 */
const MAGIC = Buffer.from('PULSEBIN', 'latin1');
const PREFIX = MAGIC.length + 4 + 32;
const pad8 = (n: number) => (8 - (n % 8)) % 8;
const ZEROS = new Uint8Array(8);

/** Writes `payload` (small, JSON) and `sections` (raw bytes, e.g. typed arrays) durably. */
export function writeBinaryStateFile(file: string, envelope: StateEnvelope, payload: unknown, sections: readonly ArrayBufferView[]): void {
  const bytes = sections.map((v) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  let header = Buffer.from(
    JSON.stringify({
      format: envelope.format,
      version: envelope.version,
      endian: os.endianness(),
      sections: bytes.map((b) => b.byteLength),
      payload,
    }),
  );
  header = Buffer.concat([header, Buffer.alloc(pad8(PREFIX + header.length), ' ')]);
  const body: Uint8Array[] = [header];
  for (const b of bytes) body.push(b, ZEROS.subarray(0, pad8(b.byteLength)));
  const hash = createHash('sha256');
  for (const part of body) hash.update(part);
  const prefix = Buffer.alloc(PREFIX);
  MAGIC.copy(prefix, 0);
  prefix.writeUInt32LE(header.length, MAGIC.length);
  hash.digest().copy(prefix, MAGIC.length + 4);
  writeFileDurable(file, [prefix, ...body]);
}

/** A binary state: its payload and its sections, in the arrays `into` gave (or fresh ones). */
export interface BinaryState<T> {
  payload: T;
  sections: Uint8Array[];
}

/**
 * Where the sections of a file whose header passed the checks are read to: one byte view per section,
 * of the lengths given (e.g. the used part of a fact store's arrays, so nothing is read twice and no
 * file-sized buffer outlives the read). May throw: the file is then refused with its message.
 */
export type SectionTargets<T> = (payload: T, lengths: readonly number[]) => Uint8Array[];

/**
 * Reads a file written by `writeBinaryStateFile`: the header, then each section straight into its
 * target, hashed as it arrives. Missing → `missing`; not such a file (a JSON state of an earlier
 * version included), another format, version or byte order, truncated, a payload the schema refuses,
 * or a checksum mismatch → `refused`, with the file moved aside. Never throws for a bad file; on a
 * refusal the targets may hold part of the file and must be discarded.
 */
export function readBinaryStateFile<T>(
  file: string,
  envelope: StateEnvelope,
  schema: ZodType<T>,
  into: SectionTargets<T> = (_payload, lengths) => lengths.map((n) => new Uint8Array(n)),
): StateRead<BinaryState<T>> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    return openFailure(e);
  }
  let checked: string | BinaryState<T>;
  try {
    checked = readBinary(fd, envelope, schema, into);
  } catch (e) {
    checked = `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
  } finally {
    closeSync(fd);
  }
  return typeof checked === 'string' ? moveAside(file, checked) : { kind: 'ok', value: checked };
}

/** Reads `view.byteLength` bytes at `position`; returns how many there were (fewer at the end of the file). */
function readFully(fd: number, view: Uint8Array, position: number): number {
  let done = 0;
  while (done < view.byteLength) {
    const n = readSync(fd, view, done, view.byteLength - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** Why the file is refused, or its state. */
function readBinary<T>(fd: number, envelope: StateEnvelope, schema: ZodType<T>, into: SectionTargets<T>): string | BinaryState<T> {
  const size = fstatSync(fd).size;
  if (size === 0) return 'empty file';
  const prefix = Buffer.alloc(Math.min(size, PREFIX));
  readFully(fd, prefix, 0);
  if (prefix[0] === 0x7b) return 'JSON state file of an earlier version (the binary format replaced it)';
  if (size < PREFIX || !prefix.subarray(0, MAGIC.length).equals(MAGIC)) return 'not a binary state file (truncated or corrupt)';
  const headerLength = prefix.readUInt32LE(MAGIC.length);
  if (PREFIX + headerLength > size) return `truncated: header of ${headerLength} bytes, file of ${size}`;
  const header = Buffer.alloc(headerLength);
  readFully(fd, header, PREFIX);
  let h: Record<string, unknown>;
  try {
    h = JSON.parse(header.toString('utf8'));
    if (typeof h !== 'object' || h === null) return 'header is not an object';
  } catch {
    return 'header is not JSON (corrupt)';
  }
  const mismatch = envelopeMismatch(h, envelope);
  if (mismatch) return mismatch;
  if (h.endian !== os.endianness()) return `byte order ${JSON.stringify(h.endian)}, this host is ${os.endianness()}`;
  const lengths = h.sections;
  if (!Array.isArray(lengths) || !lengths.every((n) => Number.isSafeInteger(n) && n >= 0)) return 'header has no section lengths';
  const expected = lengths.reduce((end: number, n: number) => end + n + pad8(n), PREFIX + headerLength);
  if (size !== expected) return `${size < expected ? 'truncated' : 'trailing bytes'}: ${size} bytes, header says ${expected}`;
  // Checked before the checksum, which needs the sections read: a refusal here reads no more.
  const parsed = schema.safeParse(h.payload);
  if (!parsed.success) return payloadRefusal(parsed.error);
  let targets: Uint8Array[];
  try {
    targets = into(parsed.data, lengths);
  } catch (e) {
    return (e as Error).message;
  }
  if (targets.length !== lengths.length || targets.some((t, k) => t.byteLength !== lengths[k]))
    return `sections of ${lengths.join(', ')} bytes, expected ${targets.map((t) => t.byteLength).join(', ')}`;
  const hash = createHash('sha256').update(header);
  const padding = new Uint8Array(8);
  let at = PREFIX + headerLength;
  for (const t of targets) {
    const pad = padding.subarray(0, pad8(t.byteLength));
    if (readFully(fd, t, at) !== t.byteLength || readFully(fd, pad, at + t.byteLength) !== pad.byteLength) return 'truncated while reading';
    hash.update(t).update(pad);
    at += t.byteLength + pad.byteLength;
  }
  if (!hash.digest().equals(prefix.subarray(MAGIC.length + 4, PREFIX))) return 'checksum mismatch';
  return { payload: parsed.data, sections: targets };
}
