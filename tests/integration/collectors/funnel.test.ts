import { M, WINDOWS } from '../../../shared/catalogue';
import { funnel } from '../../../exporter/src/collectors/funnel';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { build, collectOnce, seriesOf, testConfig, valueOf } from '../../support/collect';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
  await tdb.pool.query(`
    INSERT INTO users (id, created_at) VALUES (1, now() - interval '90 days');
    INSERT INTO sellers (id, applied_at) VALUES (1, now() - interval '90 days');`);
});
afterAll(() => tdb.drop());

const DAY = 86_400;
const WINDOW_S = { '1d': DAY, '7d': 7 * DAY, '30d': 30 * DAY } as const;
const CHANNELS = ['direct', 'organic', 'paid', 'social', 'email', 'referral'];
const STEPS = ['visit', 'product_view', 'add_to_cart', 'checkout', 'paid'] as const;

/** A payment's fate: succeeded, failed, pending, or refunded after succeeding. */
type Payment = 'succeeded' | 'failed' | 'pending' | 'refunded';
interface Session {
  start: number;
  channel: string;
  events?: string[];
  /** One entry per order, listing its payments. */
  orders?: Payment[][];
}

const SESSIONS: Session[] = [
  {
    start: -3600,
    channel: 'organic',
    events: ['product_view', 'product_view', 'add_to_cart', 'checkout'],
    orders: [['failed', 'succeeded']],
  },
  { start: -3600, channel: 'organic', events: ['product_view', 'click'] },
  { start: -7200, channel: 'paid', events: ['product_view', 'add_to_cart', 'checkout'], orders: [['failed']] }, // ordered, not paid
  { start: -DAY + 60, channel: 'tiktok', events: ['add_to_cart'], orders: [['refunded']] }, // paid (refund does not undo it), channel other
  { start: -DAY - 60, channel: 'paid', events: ['product_view'], orders: [[]] }, // order without payment
  { start: -3 * DAY, channel: 'email', events: ['checkout'], orders: [['pending'], ['succeeded']] },
  { start: -2 * DAY, channel: 'social', events: ['checkout'], orders: [['pending']] }, // ordered, payment still pending: not paid
  { start: -7 * DAY - 60, channel: 'organic', events: ['product_view'] },
  { start: -20 * DAY, channel: 'direct', orders: [['succeeded']] },
  { start: -30 * DAY - 60, channel: 'organic', events: ['product_view'], orders: [['succeeded']] }, // outside every window
  { start: 3600, channel: 'organic', events: ['product_view'] }, // future
];

function inWindow(window: keyof typeof WINDOW_S) {
  return SESSIONS.filter((s) => s.start > -WINDOW_S[window] && s.start <= 0);
}

function reached(s: Session, step: (typeof STEPS)[number]): boolean {
  if (step === 'visit') return true;
  if (step === 'paid') return (s.orders ?? []).some((o) => o.some((p) => p === 'succeeded' || p === 'refunded'));
  return (s.events ?? []).includes(step);
}

async function insertFixture() {
  for (const s of SESSIONS) {
    const { rows } = await tdb.pool.query(
      `INSERT INTO sessions (visitor_id, platform, channel, started_at) VALUES ('v', 'web', $1, now() + make_interval(secs => $2)) RETURNING id`,
      [s.channel, s.start],
    );
    const sid = rows[0].id;
    for (const type of s.events ?? []) {
      await tdb.pool.query(`INSERT INTO events (session_id, type, occurred_at) VALUES ($1, $2, now() + make_interval(secs => $3 + 10))`, [
        sid,
        type,
        s.start,
      ]);
    }
    for (const payments of s.orders ?? []) {
      const o = await tdb.pool.query(
        `INSERT INTO orders (user_id, seller_id, session_id, category, created_at, status, total_amount, currency)
         VALUES (1, 1, $1, 'books', now() + make_interval(secs => $2 + 60), 'pending', 10, 'USD') RETURNING id`,
        [sid, s.start],
      );
      for (const p of payments) {
        const succeeded = p === 'succeeded' || p === 'refunded';
        await tdb.pool.query(
          `INSERT INTO payments (order_id, provider, status, amount, currency, created_at, updated_at, succeeded_at, failed_at, refunded_at)
           VALUES ($1, 'stripe', $2, 10, 'USD', now() + make_interval(secs => $3 + 70), now() + make_interval(secs => $3 + 90),
                   CASE WHEN $4 THEN now() + make_interval(secs => $3 + 80) END,
                   CASE WHEN $2 = 'failed' THEN now() + make_interval(secs => $3 + 80) END,
                   CASE WHEN $2 = 'refunded' THEN now() + make_interval(secs => $3 + 90) END)`,
          [o.rows[0].id, p, s.start, succeeded],
        );
      }
    }
  }
}

test('empty database: every step, window and channel published at 0', async () => {
  const config = testConfig();
  const s = await collectOnce(build(funnel, config), tdb.pool, config);
  const steps = seriesOf(s, M.funnelSessions.name);
  expect(Object.keys(steps)).toHaveLength(STEPS.length * WINDOWS.length); // 15
  expect(Object.values(steps).every((v) => v === 0)).toBe(true);
  const conv = seriesOf(s, M.conversionRatio.name);
  expect(Object.keys(conv)).toHaveLength((CHANNELS.length + 1) * WINDOWS.length); // 21, `other` included
  expect(Object.values(conv).every((v) => v === 0)).toBe(true);
});

test('funnel steps and conversion by channel equal the fixture', async () => {
  await insertFixture();
  const config = testConfig();
  const s = await collectOnce(build(funnel, config), tdb.pool, config);
  for (const window of WINDOWS) {
    const sessions = inWindow(window);
    for (const step of STEPS) {
      expect([window, step, valueOf(s, M.funnelSessions.name, { step, window })]).toEqual([
        window,
        step,
        sessions.filter((x) => reached(x, step)).length,
      ]);
    }
    for (const channel of [...CHANNELS, 'other']) {
      const mine = sessions.filter((x) => (CHANNELS.includes(x.channel) ? x.channel : 'other') === channel);
      const ordered = mine.filter((x) => (x.orders ?? []).length > 0).length;
      expect(valueOf(s, M.conversionRatio.name, { window, channel })).toBeCloseTo(mine.length ? ordered / mine.length : 0, 9);
    }
  }
  // By hand, 7d: visit 7; product_view 4 (sessions 1, 2, 3, 5); add_to_cart 3 (1, 3, 4); checkout 4 (1, 3, 6, 7);
  // paid 3 (1, 4 refunded later, 6). Conversion 7d: organic 1/2, paid 2/2, other 1/1, email 1/1, social 1/1, direct 0.
  expect(STEPS.map((step) => valueOf(s, M.funnelSessions.name, { step, window: '7d' }))).toEqual([7, 4, 3, 4, 3]);
  expect(valueOf(s, M.conversionRatio.name, { window: '7d', channel: 'social' })).toBe(1);
  expect(valueOf(s, M.conversionRatio.name, { window: '7d', channel: 'organic' })).toBeCloseTo(0.5, 9);
  expect(valueOf(s, M.conversionRatio.name, { window: '7d', channel: 'direct' })).toBe(0);
  expect(valueOf(s, M.conversionRatio.name, { window: '30d', channel: 'direct' })).toBe(1);
});

test('an older session the facts do not hold (committed late) is probed in full when it reaches a step', async () => {
  const config = testConfig();
  const collector = build(funnel, config);
  const step = (s: Awaited<ReturnType<typeof collectOnce>>, name: (typeof STEPS)[number]) =>
    valueOf(s, M.funnelSessions.name, { step: name, window: '1d' })!;
  const before = await collectOnce(collector, tdb.pool, config);
  // Started an hour ago, before the horizon of the cycle above, but committed only now: no fact holds it.
  const { rows } = await tdb.pool.query(
    `INSERT INTO sessions (visitor_id, platform, channel, started_at) VALUES ('late', 'web', 'email', now() - interval '1 hour') RETURNING id`,
  );
  // Its product view is older than the horizon too; only the checkout is new.
  await tdb.pool.query(
    `INSERT INTO events (session_id, type, occurred_at) VALUES ($1, 'product_view', now() - interval '50 minutes'), ($1, 'checkout', now())`,
    [rows[0].id],
  );
  const after = await collectOnce(collector, tdb.pool, config);
  const gained = STEPS.map((name) => step(after, name) - step(before, name));
  expect(gained).toEqual([1, 1, 0, 1, 0]); // visit, product_view (from the full probe), add_to_cart, checkout, paid
});
