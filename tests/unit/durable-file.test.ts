import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { readStateFile, writeStateFile } from '../../exporter/src/runtime/durable-file';

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
