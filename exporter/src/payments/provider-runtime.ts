/**
 * What a provider's poller and the reconciliation collector share inside one exporter: the request
 * budget (so together they never exceed requests_per_minute), the Retry-After hold, the request
 * metrics, and the API clients. Keyed by the exporter's config object, so each exporter (and each
 * test) gets its own.
 */
import type { Config } from '../config/load';
import { readSecret } from '../config/load';
import { realClock, type Clock } from './clock';
import { GuardedRequester } from './guarded-requester';
import type { Provider } from './provider';
import { RequestBudget } from './request-budget';
import { RequestMetrics } from './request-metrics';

export interface PollerDeps {
  clock?: Clock;
  /** Environment for secret references (defaults to process.env). */
  env?: NodeJS.ProcessEnv;
  /** Base backoff for retries; tests with a real clock shorten it. */
  backoffBaseMs?: number;
}

export interface ProviderRuntime {
  readonly provider: Provider;
  readonly clock: Clock;
  readonly requester: GuardedRequester;
  readonly metrics: RequestMetrics;
  /** Secret values to scrub from anything logged. */
  readonly secrets: string[];
  readonly env: NodeJS.ProcessEnv;
  /** Lazily built API clients, shared too. */
  readonly clients: Map<string, unknown>;
}

const hubs = new WeakMap<object, Map<Provider, ProviderRuntime>>();

export function providerSettings<P extends Provider>(config: Config, provider: P): NonNullable<Config['payment_providers'][P]> {
  const s = config.payment_providers[provider];
  if (!s) throw new Error(`payment_providers.${provider} is not configured`);
  return s as NonNullable<Config['payment_providers'][P]>;
}

/**
 * On a reload: a provider whose settings did not change keeps its runtime (request budget, Retry-After
 * hold, clients) under the new config, whatever else changed, so rebuilt collectors neither reset the
 * budget nor call a provider that asked to be left alone. Changed settings get a fresh runtime.
 */
export function carryProviderRuntimes(from: Config, to: Config): Provider[] {
  const old = hubs.get(from);
  if (!old || from === to) return [];
  const carried: Provider[] = [];
  for (const [provider, rt] of old) {
    if (JSON.stringify(from.payment_providers[provider]) !== JSON.stringify(to.payment_providers[provider])) continue;
    let hub = hubs.get(to);
    if (!hub) {
      hub = new Map();
      hubs.set(to, hub);
    }
    if (!hub.has(provider)) hub.set(provider, rt);
    carried.push(provider);
  }
  return carried;
}

export function providerRuntime(config: Config, provider: Provider, deps: PollerDeps = {}): ProviderRuntime {
  let hub = hubs.get(config);
  if (!hub) {
    hub = new Map();
    hubs.set(config, hub);
  }
  const existing = hub.get(provider);
  if (existing) return existing;
  const settings = providerSettings(config, provider);
  const clock = deps.clock ?? realClock;
  const env = deps.env ?? process.env;
  const metrics = new RequestMetrics(provider);
  // No signal or deadline here: each request carries its calling cycle's own (provider-call.ts).
  const requester = new GuardedRequester({
    budget: new RequestBudget(settings.requests_per_minute, clock),
    metrics,
    clock,
    timeoutMs: settings.timeout * 1000,
    maxRetries: settings.max_retries,
    backoffBaseMs: deps.backoffBaseMs,
  });
  const refs =
    provider === 'stripe'
      ? [config.payment_providers.stripe?.api_key]
      : [config.payment_providers.paypal?.client_secret, config.payment_providers.paypal?.client_id];
  const secrets = refs.filter((r): r is NonNullable<typeof r> => !!r).map((r) => readSecret(r, env));
  const rt: ProviderRuntime = { provider, clock, requester, metrics, secrets, env, clients: new Map() };
  hub.set(provider, rt);
  return rt;
}
