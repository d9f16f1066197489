/**
 * The cycle a provider request belongs to. The poller and reconciliation share one provider runtime
 * (budget, Retry-After hold, clients), but each of their cycles has its own abort signal and deadline:
 * the request carries the caller's, never the last one written into the shared runtime. It travels by
 * AsyncLocalStorage because the Stripe SDK calls our transport without any per-call options.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

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
