import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { readBinaryStateFile, readStateFile, writeBinaryStateFile, writeStateFile } from '../../exporter/src/runtime/durable-file';

const ENV = { format: 'test-state', version: 2 };
const schema = z.object({ horizon: z.number().int(), totals: z.record(z.string(), z.number()) });
const good = { horizon: 1_700_000_000, totals: { EUR: 12.5 } };

function dir(): string {
  return mkdtempSync(path.join(tmpdir(), 'pulse-state-'));
}

describe('durable state files', () => {
  test('round-trips a value, file readable by the owner only, no temp file left', () => {
    const d = dir();
    const f = path.join(d, 'sub', 'state.json');
    writeStateFile(f, ENV, good);
    expect(readStateFile(f, ENV, schema)).toEqual({ kind: 'ok', value: good });
    expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(readdirSync(path.dirname(f))).toEqual(['state.json']);
  });

  test('missing file is reported as missing', () => {
    expect(readStateFile(path.join(dir(), 'none.json'), ENV, schema)).toEqual({ kind: 'missing' });
  });

  const refusals: Array<[string, (text: string) => string, RegExp]> = [
    ['truncated', (t) => t.slice(0, t.length - 7), /not JSON/],
    ['edited payload', (t) => t.replace('12.5', '13.5'), /checksum mismatch/],
    ['other format', (t) => t.replace('"test-state"', '"stripe-poller"'), /format "stripe-poller", expected "test-state"/],
    ['other version', (t) => t.replace('"version":2', '"version":1'), /version 1, expected 2/],
    ['empty', () => '', /not JSON/],
  ];
  test.each(refusals)('%s file is refused with a reason and moved aside', (_name, damage, reason) => {
    const d = dir();
    const f = path.join(d, 'state.json');
    writeStateFile(f, ENV, good);
    writeFileSync(f, damage(readFileSync(f, 'utf8')));
    const r = readStateFile(f, ENV, schema);
    expect(r.kind).toBe('refused');
    if (r.kind !== 'refused') return;
    expect(r.reason).toMatch(reason);
    expect(r.movedTo).toMatch(/state\.json\.refused-\d+$/);
    expect(readStateFile(f, ENV, schema)).toEqual({ kind: 'missing' });
  });

  test('a payload the schema refuses names the field', () => {
    const d = dir();
    const f = path.join(d, 'state.json');
    writeStateFile(f, ENV, { horizon: 'abc', totals: {} });
    const r = readStateFile(f, ENV, schema);
    expect(r).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/^invalid payload at horizon: /) });
  });
});

describe('binary state files', () => {
  const BIN = { format: 'test-columns', version: 3 };
  const header = z.strictObject({ horizonUs: z.number(), n: z.number() });
  // Sections of odd byte lengths and kinds: every one is padded, the next still starts aligned.
  const t = Float64Array.from([1.5, -2, 2 ** 53 - 1, Number.POSITIVE_INFINITY, 1e-300]);
  const flags = Uint8Array.from([0, 1, 255]);
  const empty = new Float64Array(0);
  const ids = new Float64Array([7, 8, 9, 10]).subarray(1, 3);

  function written(): string {
    const f = path.join(dir(), 'sub', 'x.bin');
    writeBinaryStateFile(f, BIN, { horizonUs: 1_764_000_000_123_456, n: 5 }, [t, flags, empty, ids]);
    return f;
  }
  const asF64 = (b: Uint8Array) => Array.from(new Float64Array(Uint8Array.from(b).buffer));

  test('round trip: payload and every section byte for byte, 0600, no temp file left', () => {
    const f = written();
    const r = readBinaryStateFile(f, BIN, header);
    if (r.kind !== 'ok') throw new Error(`refused: ${JSON.stringify(r)}`);
    expect(r.value.payload).toEqual({ horizonUs: 1_764_000_000_123_456, n: 5 });
    expect(r.value.sections.map((s) => s.length)).toEqual([40, 3, 0, 16]);
    expect(asF64(r.value.sections[0]!)).toEqual(Array.from(t));
    expect(Array.from(r.value.sections[1]!)).toEqual([0, 1, 255]);
    expect(asF64(r.value.sections[3]!)).toEqual([8, 9]);
    // In the file, each section starts at a multiple of 8 (it can be viewed as a Float64Array).
    const raw = readFileSync(f);
    let at = 44 + raw.readUInt32LE(8);
    for (const s of r.value.sections) {
      expect(at % 8).toBe(0);
      expect(raw.subarray(at, at + s.length).equals(s)).toBe(true);
      at += s.length + ((8 - (s.length % 8)) % 8);
    }
    expect(at).toBe(raw.length);
    expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(readdirSync(path.dirname(f))).toEqual(['x.bin']);
  });

  const headerEnd = (b: Buffer) => 44 + b.readUInt32LE(8);
  const flip = (at: (b: Buffer) => number) => (b: Buffer) => {
    b[at(b)]! ^= 0x01;
    return b;
  };
  const edit = (from: string, to: string) => (b: Buffer) => {
    b.write(to, b.indexOf(from), 'latin1');
    return b;
  };
  const refusals: Array<[string, (b: Buffer) => Buffer, RegExp]> = [
    ['empty', () => Buffer.alloc(0), /^empty file$/],
    [
      'JSON state of the earlier format',
      () => Buffer.from('{"format":"test-columns","version":2}'),
      /JSON state file of an earlier version/,
    ],
    ['another kind of file', flip(() => 2), /not a binary state file/],
    ['truncated inside the header', (b) => b.subarray(0, 60), /truncated: header of \d+ bytes/],
    ['truncated body', (b) => b.subarray(0, b.length - 8), /truncated: \d+ bytes, header says \d+/],
    ['bytes appended', (b) => Buffer.concat([b, Buffer.alloc(8)]), /trailing bytes/],
    ['a byte of a section flipped', flip((b) => headerEnd(b) + 3), /checksum mismatch/],
    ['a byte of the padding flipped', flip((b) => b.length - 1), /checksum mismatch/],
    ['a digit of the payload flipped (still valid JSON)', flip((b) => b.indexOf('123456')), /checksum mismatch/],
    ['the stored checksum flipped', flip(() => 20), /checksum mismatch/],
    [
      'the header length changed',
      (b) => {
        b.writeUInt32LE(b.readUInt32LE(8) - 8, 8);
        return b;
      },
      /header is not JSON/,
    ],
    ['other format', edit('"test-columns"', '"test-colunms"'), /format "test-colunms", expected "test-columns"/],
    ['other version', edit('"version":3', '"version":1'), /version 1, expected 3/],
    ['other byte order', edit('"endian":"LE"', '"endian":"BE"'), /byte order "BE", this host is LE/],
  ];
  test.each(refusals)('%s: refused with a reason and moved aside', (_name, damage, reason) => {
    const f = written();
    writeFileSync(f, damage(readFileSync(f)));
    const r = readBinaryStateFile(f, BIN, header);
    expect(r.kind).toBe('refused');
    if (r.kind !== 'refused') return;
    expect(r.reason).toMatch(reason);
    expect(r.movedTo).toMatch(/x\.bin\.refused-\d+$/);
    expect(readBinaryStateFile(f, BIN, header)).toEqual({ kind: 'missing' });
  });

  test('sections are read straight into the arrays the caller gives', () => {
    const f = written();
    const into = [new Float64Array(5), new Uint8Array(3), new Float64Array(0), new Float64Array(2)];
    const r = readBinaryStateFile(f, BIN, header, (payload, lengths) => {
      expect(payload.n).toBe(5);
      expect(lengths).toEqual([40, 3, 0, 16]);
      return into.map((a) => new Uint8Array(a.buffer));
    });
    expect(r.kind).toBe('ok');
    expect(Array.from(into[0]!)).toEqual(Array.from(t));
    expect(Array.from(into[1]!)).toEqual([0, 1, 255]);
    expect(Array.from(into[3]!)).toEqual([8, 9]);
  });

  test.each<[string, () => Uint8Array[], RegExp]>([
    [
      'targets of other lengths',
      () => [new Uint8Array(40), new Uint8Array(4), new Uint8Array(0), new Uint8Array(16)],
      /^sections of 40, 3, 0, 16 bytes, expected 40, 4, 0, 16$/,
    ],
    [
      'a caller that refuses the header',
      () => {
        throw new Error('5 facts, at most 4 expected');
      },
      /^5 facts, at most 4 expected$/,
    ],
  ])('%s: refused with a reason and moved aside', (_name, into, reason) => {
    const f = written();
    expect(readBinaryStateFile(f, BIN, header, into)).toMatchObject({ kind: 'refused', reason: expect.stringMatching(reason) });
    expect(readBinaryStateFile(f, BIN, header)).toEqual({ kind: 'missing' });
  });

  test('a payload the schema refuses names the field', () => {
    const f = written();
    const r = readBinaryStateFile(f, BIN, z.strictObject({ horizonUs: z.string(), n: z.number() }));
    expect(r).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/^invalid payload at horizonUs: /) });
  });
});
