/**
 * A fake of the Stripe API endpoints the poller uses (/v1/events, /v1/charges, /v1/disputes,
 * /v1/balance), paginated exactly like Stripe: newest first, `limit` (max 100), `starting_after`,
 * `has_more`, `created[gt|gte|lt|lte]`. Events are derived from a payment stream and become
 * visible when the fake's clock reaches them.
 */
import express from 'express';
import { FakeApi } from './fake-api';
import { groundTruth, refundedMinorAt, type FakePayment, type GroundTruth, type TruthFolds } from './payment-stream';

interface FakeEvent {
  id: string;
  created: number;
  type: string;
  payment?: FakePayment;
}

export interface StripeFakeOptions {
  apiKey?: string;
  /** Clock in ms (defaults to Date.now); the same clock should drive the poller in tests. */
  now?: () => number;
  port?: number;
}

const OPEN_DISPUTE = 'needs_response';

export class StripeFake extends FakeApi {
  readonly apiKey: string;
  readonly payments: FakePayment[] = [];
  readonly payoutFailures: number[] = [];
  private events: FakeEvent[] = [];
  private byId = new Map<string, FakePayment>();
  private seq = 0;
  /** Overrides the balance computed from payments. */
  balanceOverride?: { available: { amount: number; currency: string }[]; pending: { amount: number; currency: string }[] };

  constructor(o: StripeFakeOptions = {}) {
    super(o.now);
    this.apiKey = o.apiKey ?? 'sk_test_fake_51Pulse';
  }

  addPayments(ps: readonly FakePayment[]): void {
    for (const p of ps) {
      this.payments.push(p);
      this.byId.set(p.id, p);
      this.push(p.created, p.status === 'succeeded' ? 'charge.succeeded' : p.status === 'failed' ? 'charge.failed' : 'charge.pending', p);
      if (p.refundedAt !== undefined) this.push(p.refundedAt, 'charge.refunded', p);
      if (p.refundedAt !== undefined && p.secondRefundAt !== undefined) this.push(p.secondRefundAt, 'charge.refunded', p);
      if (p.disputedAt !== undefined) this.push(p.disputedAt, 'charge.dispute.created', p);
      if (p.disputeClosedAt !== undefined) this.push(p.disputeClosedAt, 'charge.dispute.closed', p);
    }
    this.sortEvents();
  }

  /**
   * Adds new payments and applies what changed in known ones, the way Stripe would record it: a
   * pending charge settling, a first refund, a dispute, each one event at its own time. Feeding
   * the same state again changes nothing, so a feed may overlap the previous one.
   */
  upsertPayments(ps: readonly FakePayment[]): number {
    const fresh: FakePayment[] = [];
    let changed = 0;
    for (const p of ps) {
      const old = this.byId.get(p.id);
      if (!old) {
        fresh.push(p);
        continue;
      }
      const before = this.events.length;
      if (old.status === 'pending' && p.status !== 'pending') {
        Object.assign(old, { status: p.status, created: p.created, failureCode: p.failureCode ?? null });
        this.push(p.created, p.status === 'succeeded' ? 'charge.succeeded' : 'charge.failed', old);
      }
      if (old.refundedAt === undefined && p.refundedAt !== undefined) {
        old.refundedAt = p.refundedAt;
        this.push(p.refundedAt, 'charge.refunded', old);
      }
      if (old.disputedAt === undefined && p.disputedAt !== undefined) {
        old.disputedAt = p.disputedAt;
        this.push(p.disputedAt, 'charge.dispute.created', old);
      }
      if (this.events.length > before) changed += 1;
    }
    this.addPayments(fresh);
    if (changed) this.sortEvents();
    return fresh.length + changed;
  }

  addPayoutFailure(at: number): void {
    this.payoutFailures.push(at);
    this.push(at, 'payout.failed');
    this.sortEvents();
  }

  private push(created: number, type: string, payment?: FakePayment): void {
    this.events.push({ id: `evt_${String(++this.seq).padStart(10, '0')}`, created, type, payment });
  }

  private sortEvents(): void {
    this.events.sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1));
  }

  /** What a poller must have counted once it has read every event up to `upTo` (default: now). */
  groundTruth(upTo = this.nowS(), folds?: TruthFolds): GroundTruth {
    return groundTruth(this.payments, this.payoutFailures, upTo, folds);
  }

  /** Number of events visible now (for the benchmark). */
  visibleEvents(): number {
    const n = this.nowS();
    return this.events.filter((e) => e.created <= n).length;
  }

  private charge(p: FakePayment, at: number) {
    const refundedMinor = refundedMinorAt(p, at);
    return {
      id: p.id,
      object: 'charge',
      amount: p.amountMinor,
      amount_refunded: refundedMinor,
      currency: p.currency.toLowerCase(),
      created: p.created,
      status: p.status,
      paid: p.status === 'succeeded',
      // Like Stripe: `refunded` only once the whole charge is refunded.
      refunded: refundedMinor === p.amountMinor,
      disputed: p.disputedAt !== undefined && p.disputedAt <= at,
      failure_code: p.status === 'failed' ? (p.failureCode ?? null) : null,
      livemode: false,
    };
  }

  private dispute(p: FakePayment, at: number) {
    const closed = p.disputeClosedAt !== undefined && p.disputeClosedAt <= at;
    return {
      id: `dp_${p.id}`,
      object: 'dispute',
      amount: p.amountMinor,
      currency: p.currency.toLowerCase(),
      charge: p.id,
      created: p.disputedAt,
      status: closed ? 'won' : OPEN_DISPUTE,
    };
  }

  private eventBody(e: FakeEvent) {
    const p = e.payment;
    let object: unknown;
    let previous: unknown;
    switch (e.type) {
      case 'charge.refunded':
        object = this.charge(p!, e.created);
        previous = { amount_refunded: refundedMinorAt(p!, e.created - 1), refunded: false };
        break;
      case 'charge.dispute.created':
      case 'charge.dispute.closed':
        object = this.dispute(p!, e.created);
        break;
      case 'payout.failed':
        object = { id: `po_${e.id}`, object: 'payout', status: 'failed', amount: 10_000, currency: 'usd', failure_code: 'account_closed' };
        break;
      default:
        object = { ...this.charge(p!, e.created), refunded: false, amount_refunded: 0, disputed: false };
    }
    return {
      id: e.id,
      object: 'event',
      api_version: '2026-10-28.endive',
      created: e.created,
      type: e.type,
      livemode: false,
      pending_webhooks: 0,
      request: { id: null, idempotency_key: null },
      data: previous ? { object, previous_attributes: previous } : { object },
    };
  }

  /** Stripe list semantics over items sorted oldest → newest. */
  private list<T extends { id: string; created: number }>(
    items: readonly T[],
    q: Record<string, unknown>,
    url: string,
    render: (x: T) => unknown,
  ) {
    const num = (k: string) => (q[k] === undefined ? undefined : Number(q[k]));
    const gt = num('created[gt]');
    const gte = num('created[gte]');
    const lt = num('created[lt]');
    const lte = num('created[lte]');
    const limit = Math.min(100, Math.max(1, num('limit') ?? 10));
    const startingAfter = q.starting_after as string | undefined;
    const newestFirst: T[] = [];
    let seenCursor = startingAfter === undefined;
    for (let i = items.length - 1; i >= 0 && newestFirst.length <= limit; i--) {
      const x = items[i]!;
      if (!seenCursor) {
        if (x.id === startingAfter) seenCursor = true;
        continue;
      }
      if (gt !== undefined && !(x.created > gt)) continue;
      if (gte !== undefined && !(x.created >= gte)) continue;
      if (lt !== undefined && !(x.created < lt)) continue;
      if (lte !== undefined && !(x.created <= lte)) continue;
      newestFirst.push(x);
    }
    const page = newestFirst.slice(0, limit);
    return { object: 'list', url, has_more: newestFirst.length > limit, data: page.map(render) };
  }

  private balance() {
    if (this.balanceOverride) return this.balanceOverride;
    const at = this.nowS();
    const sums = new Map<string, number>();
    for (const p of this.payments) {
      if (p.status !== 'succeeded' || p.created > at) continue;
      sums.set(p.currency, (sums.get(p.currency) ?? 0) + p.amountMinor - refundedMinorAt(p, at));
    }
    return {
      available: [...sums].map(([c, v]) => ({ amount: v, currency: c.toLowerCase() })),
      // The fake settles instantly: nothing is ever pending.
      pending: [...sums].map(([c]) => ({ amount: 0, currency: c.toLowerCase() })),
    };
  }

  override app() {
    const app = express();
    app.use(this.faults.middleware(() => undefined));
    app.use((req, res, next) => {
      const auth = req.header('authorization') ?? '';
      const key = auth.startsWith('Bearer ') ? auth.slice(7) : '';
      if (key === this.apiKey) return next();
      // Like Stripe: the key is masked in the message.
      res
        .status(401)
        .json({ error: { type: 'invalid_request_error', message: `Invalid API Key provided: ${key.slice(0, 8)}****${key.slice(-4)}` } });
    });
    app.get('/v1/events', (req, res) => {
      const n = this.nowS();
      const visible = this.visibleUpTo(n);
      res.json(this.list(visible, req.query, '/v1/events', (e) => this.eventBody(e)));
    });
    app.get('/v1/charges', (req, res) => {
      const n = this.nowS();
      const visible = this.payments.filter((p) => p.created <= n).sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1));
      res.json(this.list(visible, req.query, '/v1/charges', (p) => this.charge(p, n)));
    });
    app.get('/v1/disputes', (req, res) => {
      const n = this.nowS();
      const ds = this.payments
        .filter((p) => p.disputedAt !== undefined && p.disputedAt <= n)
        .map((p) => ({ id: `dp_${p.id}`, created: p.disputedAt!, p }))
        .sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1));
      res.json(this.list(ds, req.query, '/v1/disputes', (d) => this.dispute(d.p, n)));
    });
    app.get('/v1/balance', (_req, res) => {
      res.json({ object: 'balance', livemode: false, ...this.balance() });
    });
    app.use((req, res) =>
      res.status(404).json({ error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${req.path})` } }),
    );
    return app;
  }

  private visibleUpTo(n: number): FakeEvent[] {
    // Events are sorted by created: binary search the visible prefix.
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.events[mid]!.created <= n) lo = mid + 1;
      else hi = mid;
    }
    return this.events.slice(0, lo);
  }
}
