/**
 * A fake of the PayPal REST endpoints the poller uses: OAuth2 client credentials, Reporting API
 * transactions (start/end dates at most 31 days apart, page/page_size/total_pages, data visible
 * only after a reporting delay), balances and disputes (next_page_token paging). Transactions are
 * derived from a payment stream: the payment (T0006), a refund (T1107) or chargeback (T1201).
 */
import express from 'express';
import { FakeApi } from './fake-api';
import { groundTruth, type FakePayment, type GroundTruth, type TruthFolds } from './payment-stream';
import { isZeroDecimal } from '../../payments/money';

export interface PayPalFakeOptions {
  clientId?: string;
  clientSecret?: string;
  now?: () => number;
  /** Seconds before a transaction shows up in the Reporting API (PayPal: up to hours). */
  reportingDelay?: number;
  /** Lifetime of issued access tokens, seconds. */
  tokenLifetime?: number;
}

interface Txn {
  id: string;
  date: number;
  code: string;
  status: string;
  amountMinor: number;
  currency: string;
  ref?: string;
}

const MAX_RANGE_S = 31 * 86_400;

function money(minor: number, currency: string) {
  const v = isZeroDecimal(currency) ? String(minor) : (minor / 100).toFixed(2);
  return { currency_code: currency, value: v };
}

function iso(s: number): string {
  return new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, '+0000');
}

function parseDate(v: unknown): number {
  const s = String(v ?? '').replace(/([+-]\d\d)(\d\d)$/, '$1:$2');
  return Date.parse(s) / 1000;
}

export class PayPalFake extends FakeApi {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly payments: FakePayment[] = [];
  reportingDelay: number;
  tokenLifetime: number;
  /** Tokens issued, for tests of caching and refresh. */
  tokensIssued = 0;
  private tokens = new Map<string, number>();
  private txns: Txn[] = [];
  private byId = new Map<string, { payment: FakePayment; txn: Txn }>();

  constructor(o: PayPalFakeOptions = {}) {
    super(o.now);
    this.clientId = o.clientId ?? 'AZpulse-demo-client';
    this.clientSecret = o.clientSecret ?? 'EPpulse-demo-secret-7f3a';
    this.reportingDelay = o.reportingDelay ?? 0;
    this.tokenLifetime = o.tokenLifetime ?? 32_400;
  }

  addPayments(ps: readonly FakePayment[]): void {
    for (const p of ps) {
      this.payments.push(p);
      const status = p.status === 'succeeded' ? 'S' : p.status === 'failed' ? 'D' : 'P';
      const txn: Txn = { id: p.id, date: p.created, code: 'T0006', status, amountMinor: p.amountMinor, currency: p.currency };
      this.byId.set(p.id, { payment: p, txn });
      this.txns.push(txn);
      if (p.refundedAt !== undefined) {
        const first = p.firstRefundMinor ?? p.amountMinor;
        this.txns.push({
          id: `R${p.id}`,
          date: p.refundedAt,
          code: 'T1107',
          status: 'S',
          amountMinor: -first,
          currency: p.currency,
          ref: p.id,
        });
        if (p.secondRefundAt !== undefined)
          this.txns.push({
            id: `R2${p.id}`,
            date: p.secondRefundAt,
            code: 'T1107',
            status: 'S',
            amountMinor: first - p.amountMinor,
            currency: p.currency,
            ref: p.id,
          });
      }
      if (p.disputedAt !== undefined)
        this.txns.push({
          id: `C${p.id}`,
          date: p.disputedAt,
          code: 'T1201',
          status: 'S',
          amountMinor: -p.amountMinor,
          currency: p.currency,
          ref: p.id,
        });
    }
    this.sortTxns();
  }

  private sortTxns(): void {
    this.txns.sort((a, b) => a.date - b.date || (a.id < b.id ? -1 : 1));
  }

  /**
   * Adds new payments and applies what changed in known ones: a pending payment settling (its
   * transaction completes, dated when it settled), a first refund (T1107), a chargeback (T1201).
   * Feeding the same state again changes nothing, so a feed may overlap the previous one.
   */
  upsertPayments(ps: readonly FakePayment[]): number {
    const fresh: FakePayment[] = [];
    let changed = 0;
    for (const p of ps) {
      const known = this.byId.get(p.id);
      if (!known) {
        fresh.push(p);
        continue;
      }
      const { payment: old, txn } = known;
      const before = this.txns.length;
      let settled = false;
      if (old.status === 'pending' && p.status !== 'pending') {
        Object.assign(old, { status: p.status, created: p.created, failureCode: p.failureCode ?? null });
        Object.assign(txn, { status: p.status === 'succeeded' ? 'S' : 'D', date: p.created });
        settled = true;
      }
      if (old.refundedAt === undefined && p.refundedAt !== undefined) {
        old.refundedAt = p.refundedAt;
        this.txns.push({
          id: `R${p.id}`,
          date: p.refundedAt,
          code: 'T1107',
          status: 'S',
          amountMinor: -old.amountMinor,
          currency: old.currency,
          ref: p.id,
        });
      }
      if (old.disputedAt === undefined && p.disputedAt !== undefined) {
        old.disputedAt = p.disputedAt;
        this.txns.push({
          id: `C${p.id}`,
          date: p.disputedAt,
          code: 'T1201',
          status: 'S',
          amountMinor: -old.amountMinor,
          currency: old.currency,
          ref: p.id,
        });
      }
      if (settled || this.txns.length > before) changed += 1;
    }
    this.addPayments(fresh);
    if (changed) this.sortTxns();
    return fresh.length + changed;
  }

  /** Revokes every issued token (as if they all expired). */
  expireTokens(): void {
    this.tokens.clear();
  }

  groundTruth(upTo = this.nowS() - this.reportingDelay, folds?: TruthFolds): GroundTruth {
    return groundTruth(this.payments, [], upTo, folds);
  }

  private info(t: Txn) {
    return {
      transaction_info: {
        transaction_id: t.id,
        ...(t.ref ? { paypal_reference_id: t.ref, paypal_reference_id_type: 'TXN' } : {}),
        transaction_event_code: t.code,
        transaction_initiation_date: iso(t.date),
        transaction_updated_date: iso(t.date),
        transaction_amount: money(t.amountMinor, t.currency),
        transaction_status: t.status,
      },
    };
  }

  /** The provider's view of each payment (for reconciliation checks). */
  override app() {
    const app = express();
    app.use(this.faults.middleware(() => this.expireTokens()));
    app.post('/v1/oauth2/token', express.urlencoded({ extended: false }), (req, res) => {
      const basic = (req.header('authorization') ?? '').replace(/^Basic /, '');
      const [id, secret] = Buffer.from(basic, 'base64').toString().split(':');
      if (id !== this.clientId || secret !== this.clientSecret || req.body?.grant_type !== 'client_credentials') {
        return res.status(401).json({ error: 'invalid_client', error_description: 'Client Authentication failed' });
      }
      const token = `A21AA${++this.tokensIssued}x${this.nowS()}`;
      this.tokens.set(token, this.now() + this.tokenLifetime * 1000);
      res.json({
        scope: 'https://uri.paypal.com/services/reporting/search/read',
        access_token: token,
        token_type: 'Bearer',
        app_id: 'APP-80W284485P519543T',
        expires_in: this.tokenLifetime,
        nonce: 'fake',
      });
    });
    app.use((req, res, next) => {
      const token = (req.header('authorization') ?? '').replace(/^Bearer /, '');
      const exp = this.tokens.get(token);
      if (exp !== undefined && exp > this.now()) return next();
      res.status(401).json({
        error: 'invalid_token',
        error_description: exp === undefined ? 'Token signature verification failed' : 'Access Token expired',
      });
    });
    app.get('/v1/reporting/transactions', (req, res) => {
      const start = parseDate(req.query.start_date);
      const end = parseDate(req.query.end_date);
      if (!Number.isFinite(start) || !Number.isFinite(end) || end < start)
        return res.status(400).json({ name: 'INVALID_REQUEST', message: 'start_date and end_date are required' });
      if (end - start > MAX_RANGE_S)
        return res.status(400).json({ name: 'INVALID_REQUEST', message: 'Date range is greater than 31 days' });
      const pageSize = Math.min(500, Math.max(1, Number(req.query.page_size ?? 100)));
      const page = Math.max(1, Number(req.query.page ?? 1));
      const visibleTo = Math.min(end, this.nowS() - this.reportingDelay);
      const lo = this.lowerBound(start);
      const hi = this.lowerBound(visibleTo + 1);
      const total = Math.max(0, hi - lo);
      const items = this.txns.slice(lo + (page - 1) * pageSize, Math.min(hi, lo + page * pageSize));
      res.json({
        transaction_details: items.map((t) => this.info(t)),
        account_number: 'FAKEACCOUNT',
        start_date: iso(start),
        end_date: iso(end),
        last_refreshed_datetime: iso(this.nowS() - this.reportingDelay),
        page,
        total_items: total,
        total_pages: Math.ceil(total / pageSize),
      });
    });
    app.get('/v1/reporting/balances', (_req, res) => {
      const n = this.nowS();
      const sums = new Map<string, number>();
      for (const t of this.txns) if (t.date <= n && t.status === 'S') sums.set(t.currency, (sums.get(t.currency) ?? 0) + t.amountMinor);
      res.json({
        balances: [...sums].map(([c, v], i) => ({
          currency: c,
          primary: i === 0,
          total_balance: money(v, c),
          available_balance: money(v, c),
          withheld_balance: money(0, c),
        })),
        account_id: 'FAKEACCOUNT',
        as_of_time: iso(n),
      });
    });
    app.get('/v1/customer/disputes', (req, res) => {
      const n = this.nowS();
      // dispute_state filters group the dispute statuses.
      const STATE_STATUSES: Record<string, string[]> = {
        REQUIRED_ACTION: ['WAITING_FOR_SELLER_RESPONSE'],
        REQUIRED_OTHER_PARTY_ACTION: ['WAITING_FOR_BUYER_RESPONSE'],
        UNDER_PAYPAL_REVIEW: ['UNDER_REVIEW'],
        RESOLVED: ['RESOLVED'],
      };
      const states = String(req.query.dispute_state ?? '')
        .split(',')
        .filter(Boolean)
        .flatMap((st) => STATE_STATUSES[st] ?? []);
      const all = this.payments
        .filter((p) => p.disputedAt !== undefined && p.disputedAt <= n)
        .map((p) => ({
          dispute_id: `PP-D-${p.id}`,
          create_time: iso(p.disputedAt!),
          status: p.disputeClosedAt !== undefined && p.disputeClosedAt <= n ? 'RESOLVED' : 'UNDER_REVIEW',
          reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED',
          dispute_amount: money(p.amountMinor, p.currency),
        }))
        .filter((d) => !states.length || states.includes(d.status));
      const size = Math.min(50, Math.max(1, Number(req.query.page_size ?? 10)));
      const offset = Number(req.query.next_page_token ?? 0);
      const items = all.slice(offset, offset + size);
      const links = [{ rel: 'self', href: `${this.url}${req.originalUrl}`, method: 'GET' }];
      if (offset + size < all.length) {
        const u = new URL(`${this.url}${req.originalUrl}`);
        u.searchParams.set('next_page_token', String(offset + size));
        links.push({ rel: 'next', href: u.toString(), method: 'GET' });
      }
      res.json({ items, links });
    });
    app.use((req, res) => res.status(404).json({ name: 'RESOURCE_NOT_FOUND', message: `${req.method} ${req.path}` }));
    return app;
  }

  private lowerBound(date: number): number {
    let lo = 0;
    let hi = this.txns.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.txns[mid]!.date < date) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
