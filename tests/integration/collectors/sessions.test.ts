import { M } from '../../../shared/catalogue';
import { sessions } from '../../../exporter/src/collectors/sessions';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { build, collectOnce, histogramOf, seriesOf, testConfig } from '../../support/collect';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
  await tdb.pool.query(`INSERT INTO users (id, created_at) VALUES (1, now() - interval '30 days')`);
});
afterAll(() => tdb.drop());

const PLATFORMS = ['web', 'ios', 'android'];
const CHANNELS = ['direct', 'organic', 'paid', 'social', 'email', 'referral'];
const BUCKETS = M.sessionDurationSeconds.buckets!;

/** start/end: seconds relative to the insert's now(); end null = still live. */
interface Row {
  platform: string;
  channel: string;
  start: number;
  end: number | null;
  user?: boolean;
}

async function insertSessions(rows: Row[]) {
  await tdb.pool.query(
    `INSERT INTO sessions (user_id, visitor_id, platform, channel, started_at, ended_at)
     SELECT CASE WHEN u THEN 1 END, 'v' || ord, p, c, now() + make_interval(secs => s), now() + make_interval(secs => e)
       FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::bool[]) WITH ORDINALITY AS r(p, c, s, e, u, ord)`,
    [
      rows.map((r) => r.platform),
      rows.map((r) => r.channel),
      rows.map((r) => r.start),
      rows.map((r) => r.end),
      rows.map((r) => r.user ?? false),
    ],
  );
}

/** Expected sessions_total from fixture rows, folding by hand-written allow-lists. */
function expectedStarts(rows: Row[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows.filter((x) => x.start <= 0)) {
    const ch = CHANNELS.includes(r.channel) ? r.channel : 'other';
    const pl = PLATFORMS.includes(r.platform) ? r.platform : 'other';
    const key = `channel=${ch},platform=${pl}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

function expectedDurations(durations: number[]) {
  return {
    count: durations.length,
    sum: durations.reduce((a, b) => a + b, 0),
    buckets: BUCKETS.map((b) => durations.filter((d) => d <= b).length),
  };
}

const first: Row[] = [
  { platform: 'web', channel: 'organic', start: -7200, end: -7195, user: true }, // 5 s
  { platform: 'web', channel: 'organic', start: -7200, end: -7170 }, // 30 s: on the bucket bound
  { platform: 'ios', channel: 'paid', start: -9000, end: -8955 }, // 45 s
  { platform: 'android', channel: 'email', start: -20_000, end: -16_000 }, // 4000 s
  { platform: 'web', channel: 'direct', start: -30_000, end: -20_000 }, // 10000 s: above every bucket
  { platform: 'web', channel: 'direct', start: -100, end: -120 }, // ended before it started (clock skew): 0 s
  { platform: 'smart_tv', channel: 'tiktok', start: -500, end: null }, // live, both labels unknown
  { platform: 'WEB', channel: 'organic', start: -400, end: null }, // labels are case-sensitive
  { platform: 'ios', channel: '', start: -300, end: null },
  { platform: 'ios', channel: 'paid', start: -60, end: 600 }, // ends in the future: not yet observed
  { platform: 'web', channel: 'paid', start: 600, end: null }, // starts in the future: not yet counted
];
const firstDurations = [5, 30, 45, 4000, 10_000, 0];

test('starts by folded platform/channel and the duration histogram equal the fixture', async () => {
  const config = testConfig();
  const collector = build(sessions, config);
  await insertSessions(first);
  const s1 = await collectOnce(collector, tdb.pool, config);
  expect(seriesOf(s1, M.sessionsTotal.name)).toEqual(expectedStarts(first));
  // Spot check of the folding by hand: smart_tv/tiktok, WEB/organic and ios/'' all land in `other`.
  expect(seriesOf(s1, M.sessionsTotal.name)['channel=other,platform=other']).toBe(1);
  expect(seriesOf(s1, M.sessionsTotal.name)['channel=organic,platform=other']).toBe(1);
  expect(seriesOf(s1, M.sessionsTotal.name)['channel=other,platform=ios']).toBe(1);
  const h1 = histogramOf(s1, M.sessionDurationSeconds.name)!;
  const e1 = expectedDurations(firstDurations);
  expect(h1.count).toBe(e1.count); // 6
  expect(h1.sum).toBeCloseTo(e1.sum, 6); // 14080
  expect(h1.buckets).toEqual(e1.buckets); // le10: 2 (5, 0), le30: 3, le60: 4, ... le7200: 5

  // Second cycle: new sessions start now, and a session live in the first cycle ends now.
  const second: Row[] = [
    { platform: 'android', channel: 'social', start: 0, end: null },
    { platform: 'web', channel: 'organic', start: 0, end: null },
    { platform: 'web', channel: 'organic', start: 0, end: null },
  ];
  await insertSessions(second);
  await tdb.pool.query(`UPDATE sessions SET ended_at = now() WHERE platform = 'smart_tv'`);
  const [{ d }] = (
    await tdb.pool.query(`SELECT extract(epoch FROM ended_at - started_at)::float8 AS d FROM sessions WHERE platform = 'smart_tv'`)
  ).rows;
  const s2 = await collectOnce(collector, tdb.pool, config);
  expect(seriesOf(s2, M.sessionsTotal.name)).toEqual(expectedStarts([...first, ...second]));
  const h2 = histogramOf(s2, M.sessionDurationSeconds.name)!;
  const e2 = expectedDurations([...firstDurations, d]);
  expect(h2.count).toBe(e2.count); // 7: the ended live session, observed once
  expect(h2.sum).toBeCloseTo(e2.sum, 3);
  expect(h2.buckets).toEqual(e2.buckets);

  // Nothing new: totals unchanged.
  const s3 = await collectOnce(collector, tdb.pool, config);
  expect(seriesOf(s3, M.sessionsTotal.name)).toEqual(seriesOf(s2, M.sessionsTotal.name));
  expect(histogramOf(s3, M.sessionDurationSeconds.name)).toEqual(h2);
});
