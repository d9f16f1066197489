/**
 * Reconciliation: over a settled window, the provider's payments against the marketplace's
 * `payments` rows, matched by provider_ref. Mismatch kinds: missing_in_db (money moved at the
 * provider, no row), missing_at_provider (a row says money moved, the provider has no such
 * payment), status_differs, amount_differs (amount or currency). The provider is read with a
 * margin around the window so that clock differences between the two do not show as mismatches.
 * The providers are read before the database transaction opens (prefetch), never inside it.
 */
import { M } from '../../../shared/catalogue';
import type { Config } from '../config/load';
import type { Collector, CollectorFactory } from './types';
import type { Sample } from '../metrics/sample';
import type { Db } from '../runtime/db';
import { providerRuntime, type PollerDeps } from '../payments/provider-runtime';
import { inProviderCall } from '../payments/provider-call';
import { stripeClient } from '../payments/stripe-client';
import { PayPalClient } from '../payments/paypal-client';
import { paypalPayments, stripePayments, type ProviderPayment } from '../payments/provider-views';
import { majorToMinor } from '../payments/money';
import type { Provider } from '../payments/provider';
import { describePollError } from '../payments/poll-errors';

const MARGIN_SECONDS = 600;
const MONEY_MOVED = new Set(['succeeded', 'refunded', 'disputed']);
export const KINDS = ['missing_in_db', 'missing_at_provider', 'status_differs', 'amount_differs'] as const;

/** Rows created in the window (money-moving ones), plus any row whose ref the provider listed. */
export const RECONCILIATION_SQL = `
  SELECT provider_ref, status, amount, currency, (created_at > $2::timestamptz AND created_at <= $3::timestamptz) AS in_window
    FROM payments
   WHERE provider = $1 AND provider_ref IS NOT NULL
     AND ((created_at > $2::timestamptz AND created_at <= $3::timestamptz AND status IN ('succeeded', 'refunded', 'disputed'))
          OR provider_ref = ANY($4::text[]))`;

export function compare(
  providerView: Map<string, ProviderPayment>,
  inWindow: (id: string) => boolean,
  rows: { provider_ref: string; status: string; amount: number; currency: string; in_window: boolean }[],
): Record<(typeof KINDS)[number], number> {
  const counts = { missing_in_db: 0, missing_at_provider: 0, status_differs: 0, amount_differs: 0 };
  const byRef = new Map(rows.map((r) => [r.provider_ref, r]));
  for (const [id, p] of providerView) {
    if (!MONEY_MOVED.has(p.status) || !inWindow(id)) continue;
    const r = byRef.get(id);
    if (!r) counts.missing_in_db += 1;
    else if (r.status !== p.status) counts.status_differs += 1;
    else if (r.currency.trim().toUpperCase() !== p.currency || majorToMinor(Number(r.amount), p.currency) !== p.amountMinor)
      counts.amount_differs += 1;
  }
  for (const r of rows) {
    if (!r.in_window || !MONEY_MOVED.has(r.status)) continue;
    const p = providerView.get(r.provider_ref);
    if (!p) counts.missing_at_provider += 1;
    else if (!MONEY_MOVED.has(p.status)) counts.status_differs += 1; // e.g. failed at the provider
  }
  return counts;
}

export function createReconciliationCollector(config: Config, deps: PollerDeps = {}): Collector {
  const providers = (['stripe', 'paypal'] as Provider[]).filter((p) => config.payment_providers[p]?.enabled);
  const last = new Map<Provider, Sample[]>();
  /** What the current cycle's prefetch read, tagged with that cycle's signal. */
  let fetched: { signal: AbortSignal; views: Map<Provider, Fetched | { error: unknown }> } | undefined;
  const timeoutSeconds = config.collectors.reconciliation?.timeout ?? config.collection.default_timeout;
  return {
    name: 'reconciliation',
    usesDatabase: true,
    metrics: [M.paymentReconciliationMismatches],
    // Provider APIs are read first, outside any transaction; collect() then holds one only for the
    // comparison query.
    async prefetch({ signal }) {
      const views = new Map<Provider, Fetched | { error: unknown }>();
      for (const provider of providers) {
        const rt = providerRuntime(config, provider, deps);
        // This cycle's own signal and deadline: the poller's cycles never abort these calls, nor these theirs.
        const call = { signal, deadline: rt.clock.now() + timeoutSeconds * 1000 };
        try {
          views.set(provider, await inProviderCall(call, () => fetchView(provider)));
        } catch (error) {
          if (signal.aborted) throw error;
          views.set(provider, { error });
        }
      }
      fetched = { signal, views };
    },
    async collect({ db, log, signal }) {
      const views = fetched?.signal === signal ? fetched.views : undefined;
      fetched = undefined;
      if (!views) throw new Error('reconciliation: the provider data of this cycle was not fetched before its transaction');
      const out: Sample[] = [];
      for (const provider of providers) {
        const v = views.get(provider)!;
        if ('error' in v) {
          // A provider outage must not blank the others: keep its last result, say why once.
          const f = describePollError(v.error, providerRuntime(config, provider, deps).secrets);
          log.error({ provider, kind: f.kind, err: f.message }, 'payment reconciliation failed');
          out.push(...(last.get(provider) ?? []));
          continue;
        }
        const samples = await compareWithDatabase(provider, v, db);
        last.set(provider, samples);
        out.push(...samples);
      }
      return out;
    },
  };

  async function fetchView(provider: Provider): Promise<Fetched> {
    const settings = config.payment_providers[provider]!;
    const rt = providerRuntime(config, provider, deps);
    const to = Math.floor(rt.clock.now() / 1000 - settings.settle_lag);
    const from = to - Math.floor(config.payment_providers.reconciliation_window);
    const view =
      provider === 'stripe'
        ? await stripePayments(stripeClient(config, rt), from - MARGIN_SECONDS, to + MARGIN_SECONDS)
        : await paypalPayments(PayPalClient.for(config, rt), from - MARGIN_SECONDS, to + MARGIN_SECONDS);
    return { from, to, view };
  }

  async function compareWithDatabase(provider: Provider, { from, to, view }: Fetched, db: Db): Promise<Sample[]> {
    const inWindow = (id: string) => {
      const c = view.get(id)!.created;
      return c > from && c <= to;
    };
    const rows = await db.query<{ provider_ref: string; status: string; amount: number; currency: string; in_window: boolean }>(
      RECONCILIATION_SQL,
      [provider, new Date(from * 1000).toISOString(), new Date(to * 1000).toISOString(), [...view.keys()]],
    );
    const counts = compare(view, inWindow, rows);
    return KINDS.map((kind) => ({ metric: M.paymentReconciliationMismatches, labels: { provider, kind }, value: counts[kind] }));
  }
}

/** One provider's payments over the window (unix seconds, from exclusive, to inclusive). */
interface Fetched {
  from: number;
  to: number;
  view: Map<string, ProviderPayment>;
}

export const reconciliation: CollectorFactory = (config) => createReconciliationCollector(config);
