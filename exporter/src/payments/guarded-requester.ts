/**
 * Every request to a payment provider goes through here: the per-minute budget, a per-request
 * timeout, Retry-After on 429, exponential backoff with full jitter on 5xx / timeouts / network
 * errors / malformed bodies, and the request self-metrics. Other 4xx are returned to the caller
 * (a 401 means "refresh the token" to PayPal and "bad key" to Stripe).
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from './clock';
import { currentProviderCall, type ProviderCall } from './provider-call';
import { MAX_BODY_BYTES } from './capped-body';
import type { RequestBudget } from './request-budget';
import type { RequestMetrics } from './request-metrics';

export interface AttemptResult {
  status: number;
  /** Raw Retry-After header, if any. */
  retryAfter?: string | null;
  /** Parsed JSON body (undefined when malformed). */
  body: unknown;
  malformed?: boolean;
  /** The body passed MAX_BODY_BYTES: refused (read no further), not retried (it would be as large again). */
  tooLarge?: boolean;
  /** Response headers (lower-case names). */
  headers?: Record<string, string>;
}

export type FailureKind = 'rate_limited' | 'server_error' | 'timeout' | 'network' | 'malformed' | 'too_large';

export class ProviderRequestError extends Error {
  override name = 'ProviderRequestError';
  constructor(
    message: string,
    readonly kind: FailureKind,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface GuardedRequesterOptions {
  budget: RequestBudget;
  metrics: RequestMetrics;
  clock: Clock;
  /** Per-request timeout. */
  timeoutMs: number;
  maxRetries: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

/** Longest Retry-After honoured (a day); larger values, up to 2^31 ms and beyond, would overflow setTimeout. */
export const MAX_RETRY_AFTER_MS = 86_400_000;

/** Longest delay a Node timer takes as given (2^31 - 1 ms); longer ones fire after 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

/** Retry-After is either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, t - nowMs);
}

function isTimeout(e: unknown): boolean {
  const err = e as { name?: string; code?: string; cause?: { name?: string } };
  return err?.name === 'TimeoutError' || err?.code === 'ETIMEDOUT' || err?.cause?.name === 'TimeoutError';
}

export class GuardedRequester {
  /** Set by Retry-After: no request (of any endpoint) starts before this instant. */
  private notBefore = 0;
  private readonly base: number;
  private readonly max: number;

  constructor(private readonly o: GuardedRequesterOptions) {
    this.base = o.backoffBaseMs ?? 500;
    this.max = o.backoffMaxMs ?? 30_000;
  }

  /**
   * Runs `attempt` until it yields a non-retryable answer. `attempt` gets a signal that fires at the
   * per-request timeout or when this call is aborted, and the timeout in ms. The call belongs to the
   * calling cycle (`call`, by default the one `inProviderCall` set up around the caller).
   */
  async run(
    endpoint: string,
    attempt: (signal: AbortSignal, timeoutMs: number) => Promise<AttemptResult>,
    call: ProviderCall = currentProviderCall(),
  ): Promise<AttemptResult> {
    // This call's own signal: its cycle's signal plus a timer at its cycle's deadline. Nothing else
    // (another collector's cycle ending, a later cycle starting) can abort it.
    const left = call.deadline === undefined ? undefined : call.deadline - this.o.clock.now();
    const atDeadline = left === undefined ? undefined : AbortSignal.timeout(Math.min(MAX_TIMER_MS, Math.max(0, left)));
    const parts = [call.signal, atDeadline].filter((s): s is AbortSignal => s !== undefined);
    const signal = parts.length ? AbortSignal.any(parts) : undefined;
    try {
      return await this.attempts(endpoint, attempt, call.deadline, signal);
    } catch (e) {
      if (!signal?.aborted) throw e;
      if (call.signal?.aborted) throw call.signal.reason ?? e;
      throw new ProviderRequestError(`${endpoint}: no answer before the end of the cycle`, 'timeout');
    }
  }

  private async attempts(
    endpoint: string,
    attempt: (signal: AbortSignal, timeoutMs: number) => Promise<AttemptResult>,
    deadline: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<AttemptResult> {
    const { clock, budget, metrics, timeoutMs, maxRetries } = this.o;
    let last: ProviderRequestError | null = null;
    for (let i = 0; i <= maxRetries; i++) {
      const wait = this.notBefore - clock.now();
      if (wait > 0) {
        // A hold longer than the cycle has left ends this cycle now (nothing committed); a later cycle
        // starts once the hold is over, instead of sleeping through the deadline.
        if (wait > this.timeLeft(deadline))
          throw new ProviderRequestError(
            `${endpoint}: rate limited, Retry-After hold of ${Math.ceil(wait / 1000)}s exceeds the time left in this cycle`,
            'rate_limited',
            429,
          );
        await clock.sleep(wait, signal);
      }
      await budget.take(signal);
      const timeout = AbortSignal.timeout(timeoutMs);
      const attemptSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;
      const started = performance.now();
      let res: AttemptResult | null = null;
      let code: string;
      try {
        res = await attempt(attemptSignal, timeoutMs);
        code = String(res.status);
      } catch (e) {
        if (signal?.aborted) {
          metrics.observe(endpoint, 'error', (performance.now() - started) / 1000);
          throw e;
        }
        code = 'error';
        const timedOut = timeout.aborted || isTimeout(e);
        last = new ProviderRequestError(
          timedOut ? `${endpoint}: no answer within ${timeoutMs}ms` : `${endpoint}: ${(e as Error)?.message ?? String(e)}`,
          timedOut ? 'timeout' : 'network',
        );
      }
      metrics.observe(endpoint, code, (performance.now() - started) / 1000);
      let delay = this.backoff(i);
      if (res) {
        if (res.tooLarge)
          throw new ProviderRequestError(`${endpoint}: response body over ${MAX_BODY_BYTES} bytes, refused`, 'too_large', res.status);
        if (res.status >= 200 && res.status < 300 && !res.malformed) return res;
        if (res.status === 429) {
          last = new ProviderRequestError(`${endpoint}: rate limited (429)`, 'rate_limited', 429);
          const parsed = parseRetryAfter(res.retryAfter, clock.now());
          if (parsed !== null) {
            const ra = Math.min(parsed, MAX_RETRY_AFTER_MS);
            this.notBefore = clock.now() + ra;
            if (ra > this.timeLeft(deadline))
              throw new ProviderRequestError(
                `${endpoint}: rate limited, Retry-After ${Math.ceil(ra / 1000)}s exceeds the time left in this cycle`,
                'rate_limited',
                429,
              );
            delay = ra;
          }
        } else if (res.status >= 500) {
          last = new ProviderRequestError(`${endpoint}: server error ${res.status}`, 'server_error', res.status);
        } else if (res.malformed) {
          last = new ProviderRequestError(`${endpoint}: malformed response body`, 'malformed', res.status);
        } else {
          return res; // other 4xx: the caller's decision
        }
      }
      if (i < maxRetries) await clock.sleep(delay, signal);
    }
    throw last!;
  }

  /** Milliseconds until the cycle's deadline (unbounded when the caller has none). */
  private timeLeft(deadline: number | undefined): number {
    return deadline === undefined ? MAX_RETRY_AFTER_MS : Math.max(0, deadline - this.o.clock.now());
  }

  /** Full jitter: uniform in [0, min(max, base·2^attempt)]. */
  private backoff(attempt: number): number {
    return this.o.clock.random() * Math.min(this.max, this.base * 2 ** attempt);
  }
}
