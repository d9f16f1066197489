/**
 * Fault injection and request recording shared by the fakes. Faults are queued and consumed in
 * order by the next matching requests; every request is recorded with the fake's clock.
 */
import type { NextFunction, Request, Response } from 'express';

export type Fault =
  /** Any status, e.g. 429 with Retry-After (seconds or an HTTP date), 500, 503. */
  | { status: number; retryAfter?: number | string; body?: unknown }
  /** Answer only after `ms` (real time), so the client's per-request timeout fires first. */
  | { slowMs: number }
  /** 200 with a body that is not JSON. */
  | { malformed: true }
  /** PayPal: the access token is rejected as expired (and every issued token is revoked). */
  | { expiredToken: true }
  /** Runs `probe` while the request is held, then answers normally (tests look at the world mid-call). */
  | { probe: () => Promise<void> };

export interface RecordedRequest {
  /** Fake clock, ms. */
  at: number;
  method: string;
  path: string;
  /** Parsed query string (e.g. created[gt] / created[lte] of a Stripe list). */
  query: Record<string, unknown>;
  status: number;
  fault?: string;
  /** The client closed the connection before the answer was sent (aborted the request). */
  abandoned?: boolean;
}

interface Queued {
  fault: Fault;
  pathPrefix?: string;
  remaining: number;
}

export class FaultInjector {
  readonly requests: RecordedRequest[] = [];
  private queue: Queued[] = [];

  constructor(private readonly now: () => number) {}

  /** Queues `fault` for the next `times` requests whose path starts with `pathPrefix` (any path if omitted). */
  inject(fault: Fault, opts: { pathPrefix?: string; times?: number } = {}): void {
    this.queue.push({ fault, pathPrefix: opts.pathPrefix, remaining: opts.times ?? 1 });
  }

  pending(): number {
    return this.queue.reduce((n, q) => n + q.remaining, 0);
  }

  clear(): void {
    this.queue = [];
  }

  private take(path: string): Fault | undefined {
    const q = this.queue.find((x) => x.remaining > 0 && (!x.pathPrefix || path.startsWith(x.pathPrefix)));
    if (!q) return undefined;
    q.remaining -= 1;
    this.queue = this.queue.filter((x) => x.remaining > 0);
    return q.fault;
  }

  /** Express middleware: records the request, then applies a queued fault or passes on. */
  middleware(onExpiredToken: () => void) {
    return (req: Request, res: Response, next: NextFunction) => {
      const rec: RecordedRequest = { at: this.now(), method: req.method, path: req.path, query: { ...req.query }, status: 0 };
      this.requests.push(rec);
      res.on('finish', () => (rec.status = res.statusCode));
      res.on('close', () => {
        if (!res.writableFinished) rec.abandoned = true;
      });
      const f = this.take(req.path);
      if (!f) return next();
      if ('status' in f) {
        rec.fault = String(f.status);
        if (f.retryAfter !== undefined) res.setHeader('Retry-After', String(f.retryAfter));
        res.status(f.status).json(f.body ?? { error: { message: `injected ${f.status}` } });
      } else if ('slowMs' in f) {
        rec.fault = 'slow';
        const t = setTimeout(next, f.slowMs);
        res.on('close', () => clearTimeout(t));
      } else if ('malformed' in f) {
        rec.fault = 'malformed';
        res.status(200).type('application/json').send('{"object": "list", "data": [ {"id": ');
      } else if ('probe' in f) {
        rec.fault = 'probe';
        f.probe().then(() => next(), next);
      } else {
        rec.fault = 'expired_token';
        onExpiredToken();
        res.status(401).json({ error: 'invalid_token', error_description: 'Access Token expired' });
      }
    };
  }
}
