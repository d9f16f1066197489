/**
 * What happens on the simulated marketplace in a window of time: visits with page views and events,
 * carts, orders and their payments (with failures, late successes, refunds, disputes), returns,
 * reviews, sign-ups and logins, sellers joining and leaving, support, bugs, incidents and audit trail.
 * Rows are generated with their whole future; RowWriter decides what is visible when.
 */
import { BASE62, HEX, type Random, UPPER_ALNUM } from './random';
import type { IdAllocator, RowWriter } from './row-writer';
import type { IncidentRow, SellerRow } from './rows';
import { DAY_MS, HOUR_MS, sessionStarts } from './traffic-shape';
import * as V from './vocabulary';

const MIN = 60_000;
const SEC = 1_000;

/** Share of payments the providers decline: inside the 2–5 % a healthy marketplace sees. */
export const PAYMENT_FAILURE_SHARE = 0.035;

interface Visitor {
  id: string;
  userId: number | null;
  /** When the visitor's account was created (a visit can only sign in after that). */
  userSince: number;
}

interface KnownUser {
  id: number;
  createdAt: number;
}

/** Known state of the marketplace, loaded from the database when live traffic joins a seeded one. */
export interface MarketState {
  visitors: Visitor[];
  users: KnownUser[];
  sellers: Pick<SellerRow, 'id' | 'approvedAt' | 'churnedAt'>[];
}

export class MarketActivity {
  private readonly visitors: Visitor[] = [];
  /** Visitors with an account, so registered users come back often enough to be active. */
  private readonly members: Visitor[] = [];
  private readonly users: KnownUser[] = [];
  private sellers: Pick<SellerRow, 'id' | 'approvedAt' | 'churnedAt'>[] = [];
  private recentIncidents: IncidentRow[] = [];

  constructor(
    private readonly rng: Random,
    private readonly ids: IdAllocator,
    private readonly out: RowWriter,
    /** Sessions on an average day; every other volume scales with it. */
    private readonly sessionsPerDay: number,
  ) {}

  get hasSellers(): boolean {
    return this.sellers.length > 0;
  }

  adopt(state: MarketState): void {
    this.visitors.push(...state.visitors);
    this.members.push(...state.visitors.filter((v) => v.userId !== null));
    this.users.push(...state.users);
    this.sellers.push(...state.sellers);
  }

  /** The marketplace as it stood before `atMs`: established sellers and registered users. */
  bootstrap(atMs: number): void {
    const sellers = Math.max(20, Math.round(this.sessionsPerDay / 15));
    for (let i = 0; i < sellers; i++) {
      const appliedAt = atMs - this.rng.between(30, 400) * DAY_MS;
      this.newSeller(appliedAt, appliedAt + this.rng.between(0.2, 4) * DAY_MS, atMs);
    }
    const users = Math.round(this.sessionsPerDay / 2);
    for (let i = 0; i < users; i++) {
      const since = atMs - this.rng.between(1, 180) * DAY_MS;
      const v = { id: this.visitorId(), userId: this.newUser(since), userSince: since };
      this.visitors.push(v);
      this.members.push(v);
    }
  }

  generate(fromMs: number, toMs: number): void {
    const days = (toMs - fromMs) / DAY_MS;
    const s = this.sessionsPerDay;
    this.operations(fromMs, toMs, days, s);
    for (const start of sessionStarts(this.rng, fromMs, toMs, s)) this.session(start);
    this.trimVisitors();
  }

  // ---- visits ---------------------------------------------------------------------------------

  private session(start: number): void {
    const rng = this.rng;
    const visitor = this.chooseVisitor();
    const platform = rng.weighted(V.PLATFORMS);
    const channel = rng.weighted(V.CHANNELS);
    const sessionId = this.ids.next('sessions');
    let userId: number | null = null;
    let signedInAt: number | null = null;
    if (visitor.userId !== null && visitor.userSince <= start && rng.chance(0.8)) {
      userId = visitor.userId;
      signedInAt = start;
      this.login(userId, start);
    }

    // Funnel intent, decided up front: landing → product → cart → checkout.
    const bounce = rng.chance(0.36);
    const viewsProduct = rng.chance(bounce ? 0.3 : 0.68);
    const addsToCart = !bounce && viewsProduct && rng.chance(0.25);
    const checksOut = addsToCart && rng.chance(0.5);
    const pages = bounce ? 1 : Math.max(2 + (addsToCart ? 1 : 0) + (checksOut ? 1 : 0), 2 + Math.floor(rng.exponential(2)));

    let t = start;
    let cartAt: number | null = null;
    let checkoutAt: number | null = null;
    const category = rng.weighted(V.CATEGORIES);
    for (let p = 0; p < pages; p++) {
      if (p > 0) t += Math.round(5 * SEC + rng.exponential(40 * SEC));
      const isLast = p === pages - 1;
      let path =
        p === 0 ? rng.pick(['/', '/', '/search', `/c/${category}`]) : rng.pick(['/search', `/c/${category}`, `/p/${rng.int(1, 90_000)}`]);
      if (viewsProduct && (p === 1 || (bounce && p === 0))) {
        path = `/p/${rng.int(1, 90_000)}`;
        this.event(sessionId, 'product_view', t + 800);
      }
      if (addsToCart && p === pages - (checksOut ? 3 : 2)) {
        path = '/cart';
        cartAt = t;
        this.event(sessionId, 'add_to_cart', t - 1500);
      }
      if (checksOut && isLast) {
        path = '/checkout';
        checkoutAt = t;
        this.event(sessionId, 'checkout', t + 500);
      }
      this.pageView(sessionId, t, path, platform);
      for (let c = rng.poisson(0.4); c > 0; c--) this.event(sessionId, 'click', t + rng.int(1, 30) * SEC);
      if (path === '/search') this.event(sessionId, 'search', t + 1200);
    }
    if (!bounce && rng.chance(0.06)) this.event(sessionId, 'wishlist', t - 2 * SEC);
    if (rng.chance(V.UNKNOWN_EVENT_SHARE)) this.event(sessionId, V.UNKNOWN_EVENT, t - SEC);
    const endedAt = t + Math.round(bounce ? rng.between(2, 25) * SEC : rng.exponential(45 * SEC));

    // Anonymous visitors sign up to check out, and now and then just because.
    if (userId === null && (checkoutAt !== null || (!bounce && rng.chance(0.05)))) {
      signedInAt = checkoutAt !== null ? checkoutAt - 20 * SEC : start + Math.round((t - start) / 2);
      userId = this.newUser(signedInAt);
      visitor.userId = userId;
      visitor.userSince = signedInAt;
      this.members.push(visitor);
    }

    let cartId: number | null = null;
    if (cartAt !== null) {
      cartId = this.ids.next('carts');
      const cart = {
        id: cartId,
        userId: signedInAt !== null && signedInAt <= cartAt ? userId : null,
        sessionId,
        createdAt: cartAt,
        convertedAt: null as number | null,
        abandonedAt: null as number | null,
      };
      if (checkoutAt !== null && userId !== null) cart.convertedAt = this.order(sessionId, userId, checkoutAt, category);
      if (cart.convertedAt === null) cart.abandonedAt = cartAt + Math.round(rng.between(30, 90) * MIN);
      this.out.add('carts', cart);
    }
    this.out.add('sessions', { id: sessionId, userId, signedInAt, visitorId: visitor.id, platform, channel, startedAt: start, endedAt });
  }

  private pageView(sessionId: number, at: number, path: string, platform: string): void {
    const rng = this.rng;
    let load: number | null = Math.round(rng.logNormal(platform === 'web' ? 900 : 650, 0.5));
    if (rng.chance(0.05)) load *= 4; // cold caches, slow networks: the tail the latency SLO watches
    if (rng.chance(0.02)) load = null; // the browser did not report timing
    const outage = this.outageAt(at);
    let status = 200;
    const r = rng.float();
    if (r < (outage ? 0.2 : 0.003)) status = rng.pick([500, 502, 503]);
    else if (r < (outage ? 0.21 : 0.011)) status = rng.pick([404, 404, 404, 403, 429]);
    this.out.add('page_views', { id: this.ids.next('page_views'), sessionId, viewedAt: at, path, loadTimeMs: load, httpStatus: status });
  }

  private event(sessionId: number, type: string, at: number): void {
    this.out.add('events', { id: this.ids.next('events'), sessionId, type, occurredAt: at });
  }

  /** Returns the moment the order was placed (the cart's conversion time). */
  private order(sessionId: number, userId: number, checkoutAt: number, category: string): number | null {
    const rng = this.rng;
    const createdAt = checkoutAt + Math.round(rng.between(15, 90) * SEC);
    const sellerId = this.chooseSeller(createdAt);
    if (sellerId === null) return null;
    const currency = rng.weighted(V.CURRENCIES);
    let amount = rng.logNormal(V.CATEGORY_MEDIAN[category] ?? 50, 0.8);
    if (rng.chance(0.025)) amount = rng.between(500, 2500); // high-value orders the business wants to hear about
    amount = Math.round(amount * 100) / 100;
    const orderId = this.ids.next('orders');
    const paymentId = this.ids.next('payments');
    const provider = rng.weighted(V.PROVIDERS);
    const paymentAt = createdAt + SEC;

    let succeededAt: number | null = null;
    let failedAt: number | null = null;
    let failureCode: string | null = null;
    if (rng.chance(PAYMENT_FAILURE_SHARE)) {
      failedAt = paymentAt + rng.int(2, 8) * SEC;
      failureCode = rng.weighted(V.FAILURE_CODES);
    } else if (rng.chance(0.04)) {
      succeededAt = paymentAt + Math.round(rng.between(2, 20) * MIN); // pending, then confirmed
    } else {
      succeededAt = paymentAt + rng.int(2, 6) * SEC;
    }
    const shippedAt = succeededAt !== null ? succeededAt + Math.round(rng.between(6, 48) * HOUR_MS) : null;
    const deliveredAt = shippedAt !== null ? shippedAt + Math.round(rng.between(1, 5) * DAY_MS) : null;
    let refundedAt: number | null = null;
    let disputedAt: number | null = null;
    if (succeededAt !== null && rng.chance(0.04)) {
      refundedAt = succeededAt + Math.round(rng.between(1, 14) * DAY_MS);
      const refundAmount = rng.chance(0.75) ? amount : Math.round(amount * rng.between(0.2, 0.8) * 100) / 100;
      this.out.add('refunds', {
        id: this.ids.next('refunds'),
        paymentId,
        amount: refundAmount,
        currency,
        reason: rng.weighted(V.REFUND_REASONS),
        createdAt: refundedAt,
      });
    } else if (succeededAt !== null && rng.chance(0.005)) {
      disputedAt = succeededAt + Math.round(rng.between(3, 40) * DAY_MS);
    }
    if (deliveredAt !== null && refundedAt === null) {
      if (rng.chance(0.05))
        this.out.add('returns', {
          id: this.ids.next('returns'),
          orderId,
          reason: rng.weighted(V.RETURN_REASONS),
          createdAt: deliveredAt + Math.round(rng.between(1, 10) * DAY_MS),
        });
      if (rng.chance(0.18))
        this.out.add('reviews', {
          id: this.ids.next('reviews'),
          orderId,
          rating: Number(rng.weighted(V.RATINGS)),
          createdAt: deliveredAt + Math.round(rng.between(1, 7) * DAY_MS),
        });
    }
    this.out.add('orders', {
      id: orderId,
      userId,
      sellerId,
      sessionId,
      category,
      createdAt,
      amount,
      currency,
      paidAt: succeededAt,
      failedAt,
      shippedAt,
      deliveredAt,
      refundedAt,
    });
    this.out.add('payments', {
      id: paymentId,
      orderId,
      provider,
      providerRef: this.providerRef(provider),
      failureCode,
      amount,
      currency,
      createdAt: paymentAt,
      succeededAt,
      failedAt,
      refundedAt,
      disputedAt,
    });
    return createdAt;
  }

  // ---- the rest of the business, at daily rates -----------------------------------------------

  private operations(fromMs: number, toMs: number, days: number, s: number): void {
    const rng = this.rng;
    const at = () => Math.floor(rng.between(fromMs, toMs));
    const times = (perDay: number) => rng.poisson(perDay * days);

    if (!this.hasSellers) this.bootstrap(fromMs);
    for (let n = times(Math.max(1, s / 300)); n > 0; n--) {
      const appliedAt = at();
      this.newSeller(appliedAt, rng.chance(0.7) ? appliedAt + Math.round(rng.between(0.5, 5) * DAY_MS) : null, null);
    }
    for (let n = times(0.35); n > 0; n--) this.incident(at());
    for (let n = times(1 + s / 2000); n > 0; n--) {
      const reportedAt = at();
      this.out.add('bug_reports', {
        id: this.ids.next('bug_reports'),
        severity: rng.weighted(V.BUG_SEVERITIES),
        reportedAt,
        resolvedAt: rng.chance(0.85) ? reportedAt + Math.round(rng.exponential(3 * DAY_MS)) : null,
      });
    }
    for (let n = times(s / 120); n > 0; n--) {
      const openedAt = at();
      const closed = rng.chance(0.92);
      this.out.add('support_tickets', {
        id: this.ids.next('support_tickets'),
        openedAt,
        closedAt: closed ? openedAt + Math.round(rng.between(0.3, 48) * HOUR_MS) : null,
        csat: closed && rng.chance(0.7) ? Number(rng.weighted(V.CSAT_SCORES)) : null, // many customers never answer the survey
      });
    }
    for (let n = times(s / 80); n > 0; n--) {
      const changedAt = at();
      const userId = this.userBefore(changedAt);
      if (userId !== null)
        this.out.add('profile_changes', { id: this.ids.next('profile_changes'), userId, field: rng.weighted(V.PROFILE_FIELDS), changedAt });
    }
    for (let n = times(s / 400); n > 0; n--) {
      const t = at();
      const userId = this.userBefore(t);
      if (userId !== null) this.failedLogin(userId, t, rng.weighted({ bad_password: 80, locked: 10, mfa_failed: 10 }));
    }
    if (rng.chance(Math.min(1, days * 0.15))) {
      const t = at();
      const userId = this.userBefore(t);
      if (userId !== null) this.credentialStuffing(userId, t);
    }
    for (let n = times(s / 250); n > 0; n--) this.failedLogin(null, at(), 'unknown_user');
    for (let n = times(1 + s / 1500); n > 0; n--) this.audit('role_change', 1, at());
    for (let n = times(0.6); n > 0; n--) this.audit('export', rng.int(100, 20_000), at());
    for (let n = times(0.12); n > 0; n--) this.audit('bulk_delete', rng.int(50, 800), at());
    for (let n = times(0.06); n > 0; n--) this.audit('unauthorized_api', 1, at());
    for (let n = times(2 + s / 1000); n > 0; n--) this.audit('settings_update', 1, at());
  }

  private newSeller(appliedAt: number, approvedAt: number | null, churnBefore: number | null): void {
    const rng = this.rng;
    const id = this.ids.next('sellers');
    let churnedAt: number | null = null;
    if (approvedAt !== null && rng.chance(0.12)) {
      churnedAt = approvedAt + Math.round(rng.between(10, 150) * DAY_MS);
      if (churnBefore !== null && churnedAt > churnBefore) churnedAt = null; // established sellers are still here
    }
    const creditsTotal = rng.int(10, 500) * 10;
    // Most sellers use 40–90 % of their credits; some are nearly out (< 10 % left).
    const usedShare = rng.chance(0.12) ? rng.between(0.91, 1) : rng.between(0.2, 0.9);
    const creditsUsed = Math.round(creditsTotal * usedShare * 100) / 100;
    this.out.add('sellers', { id, appliedAt, approvedAt, churnedAt, creditsTotal, creditsUsed });
    if (approvedAt !== null) {
      this.sellers.push({ id, approvedAt, churnedAt });
      if (rng.chance(0.6)) {
        const plan = rng.weighted(V.PLAN_WEIGHTS);
        this.out.add('subscriptions', {
          id: this.ids.next('subscriptions'),
          sellerId: id,
          plan,
          amount: V.PLANS[plan]!,
          currency: rng.weighted(V.CURRENCIES),
          startedAt: approvedAt + HOUR_MS,
          cancelledAt: churnedAt,
        });
      }
    }
  }

  private incident(startedAt: number): void {
    const rng = this.rng;
    const severity = rng.weighted(V.INCIDENT_SEVERITIES);
    const minutes = severity === 'critical' ? rng.between(10, 60) : severity === 'major' ? rng.between(15, 180) : rng.between(5, 240);
    const row: IncidentRow = {
      id: this.ids.next('incidents'),
      component: rng.weighted(V.INCIDENT_COMPONENTS),
      severity,
      startedAt,
      resolvedAt: startedAt + Math.round(minutes * MIN),
    };
    this.out.add('incidents', row);
    if (severity !== 'minor') this.recentIncidents.push(row);
  }

  /** Major and critical incidents on the web or API make page views fail while they last. */
  private outageAt(at: number): boolean {
    if (this.recentIncidents.length > 20) this.recentIncidents = this.recentIncidents.slice(-10);
    return this.recentIncidents.some(
      (i) => (i.component === 'web' || i.component === 'api') && i.startedAt <= at && (i.resolvedAt ?? Infinity) > at,
    );
  }

  private login(userId: number, at: number): void {
    if (!this.rng.chance(0.35)) return; // remembered devices skip the login form
    // A mistyped password first now and then; the retry comes seconds later.
    const retry = this.rng.chance(0.05);
    if (retry) this.failedLogin(userId, at, 'bad_password');
    this.out.add('login_events', {
      id: this.ids.next('login_events'),
      userId,
      occurredAt: retry ? at + 15 * SEC : at,
      success: true,
      failureReason: null,
    });
  }

  private failedLogin(userId: number | null, at: number, reason: string): void {
    this.out.add('login_events', { id: this.ids.next('login_events'), userId, occurredAt: at, success: false, failureReason: reason });
  }

  /** Dozens of failed attempts against one account within minutes. */
  private credentialStuffing(userId: number, at: number): void {
    for (let n = this.rng.int(25, 80); n > 0; n--) this.failedLogin(userId, at + this.rng.int(0, 600) * SEC, 'bad_password');
  }

  private audit(action: string, objectCount: number, at: number): void {
    this.out.add('audit_log', { id: this.ids.next('audit_log'), actorId: this.rng.int(1, 25), action, objectCount, occurredAt: at });
  }

  // ---- helpers --------------------------------------------------------------------------------

  private newUser(createdAt: number): number {
    const id = this.ids.next('users');
    this.out.add('users', { id, createdAt });
    this.users.push({ id, createdAt });
    return id;
  }

  /** A random user registered by `at` (a few tries; recent sign-ups may still be in the future). */
  private userBefore(at: number): number | null {
    for (let i = 0; i < 4 && this.users.length > 0; i++) {
      const u = this.users[this.rng.int(0, this.users.length - 1)]!;
      if (u.createdAt <= at) return u.id;
    }
    return null;
  }

  /**
   * About 40 % new visitors, 30 % members coming back, the rest returning anonymous visitors.
   * Returning ones are mostly recent, which gives retention its decay.
   */
  private chooseVisitor(): Visitor {
    const r = this.rng.float();
    if (this.visitors.length === 0 || r < 0.4) {
      const v: Visitor = { id: this.visitorId(), userId: null, userSince: Infinity };
      this.visitors.push(v);
      return v;
    }
    const pool = r < 0.7 && this.members.length > 0 ? this.members : this.visitors;
    return pool[pool.length - 1 - this.rng.skewedIndex(pool.length, 1.6)]!;
  }

  private trimVisitors(): void {
    const cap = Math.max(5_000, this.sessionsPerDay * 20);
    if (this.visitors.length > 2 * cap) this.visitors.splice(0, this.visitors.length - cap);
    if (this.members.length > 2 * cap) this.members.splice(0, this.members.length - cap);
  }

  /** A few sellers take most orders (power sellers), a long tail takes few. */
  private chooseSeller(at: number): number | null {
    const live = this.sellers.filter((s) => s.approvedAt !== null && s.approvedAt <= at && (s.churnedAt === null || s.churnedAt > at));
    if (live.length === 0) return null;
    return live[this.rng.skewedIndex(live.length, 3)]!.id;
  }

  private visitorId(): string {
    return `v_${this.rng.chars(20, HEX)}`;
  }

  private providerRef(provider: string): string {
    return provider === 'stripe' ? `ch_3${this.rng.chars(23, BASE62)}` : this.rng.chars(17, UPPER_ALNUM);
  }
}
