/**
 * The cycle a provider request belongs to. The poller and reconciliation share one provider runtime
 * (budget, Retry-After hold, clients), but each of their cycles has its own abort signal and deadline:
 * the request carries the caller's, never the last one written into the shared runtime. It travels by
 * AsyncLocalStorage because the Stripe SDK calls our transport without any per-call options. Also the
 * poller's cycle built on it (`pollerCycles`, `POLLER_METRICS`), which Stripe's and PayPal's share.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { M } from '../../../shared/catalogue';
import type { Config } from '../config/load';
import type { Logger } from '../runtime/logger';
import { cycleTimeoutSeconds } from './catch-up';
import { describePollError } from './poll-errors';
import type { ProviderRuntime } from './provider-runtime';

export interface ProviderCall {
  /** The calling cycle's signal (aborted at its timeout or at shutdown). */
  signal?: AbortSignal;
  /** End of the calling cycle, in ms on the provider runtime's clock: no request or wait passes it. */
  deadline?: number;
}

const current = new AsyncLocalStorage<ProviderCall>();

/** Runs `fn` so that every provider request it makes belongs to `call`. */
export function inProviderCall<T>(call: ProviderCall, fn: () => Promise<T>): Promise<T> {
  return current.run(call, fn);
}

export function currentProviderCall(): ProviderCall {
  return current.getStore() ?? {};
}

/** What a provider's poller publishes (PayPal's: all but payout failures, which its APIs do not report). */
export const POLLER_METRICS = [
  M.paymentsTotal,
  M.paymentAmountTotal,
  M.paymentFailuresTotal,
  M.paymentProviderBalance,
  M.paymentDisputesOpen,
  M.paymentPayoutsFailedTotal,
  M.paymentProviderUp,
  M.paymentProviderRequestDurationSeconds,
  M.paymentProviderRequestsTotal,
] as const;

/**
 * The cycles of a provider's poller (Stripe's, PayPal's). A state file refused at start (`refused`) is
 * reported once, as the next cycle's failure: the file is aside and polling starts afresh. Otherwise
 * `poll` runs as one provider call, with the cycle's signal and the poller's cycle timeout; a failed
 * poll is logged as one secret-free line with the watermark the next poll resumes from. A cycle
 * resolves to what `poll` returned, or undefined when it failed (payment_provider_up 0).
 */
export function pollerCycles(config: Config, rt: ProviderRuntime, refused: string | undefined) {
  let unreported = refused;
  return async <T>(
    cycle: { log: Logger; signal: AbortSignal },
    poll: () => Promise<T>,
    watermark: () => number | null,
  ): Promise<T | undefined> => {
    const { log, signal } = cycle;
    if (unreported) {
      const why = unreported;
      unreported = undefined;
      log.error({ provider: rt.provider }, why);
      throw new Error(why);
    }
    const call = { signal, deadline: rt.clock.now() + cycleTimeoutSeconds(config, rt.provider) * 1000 };
    try {
      return await inProviderCall(call, poll);
    } catch (e) {
      const f = describePollError(e, rt.secrets);
      log.error(
        { provider: rt.provider, kind: f.kind, status: f.status, err: f.message, watermark: watermark() },
        'payment provider poll failed',
      );
      return undefined;
    }
  };
}
