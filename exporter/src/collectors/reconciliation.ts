/**
 * Reconciliation: over a settled window, the provider's payments against the marketplace's
 * `payments` rows, matched by provider_ref. Mismatch kinds: missing_in_db (money moved at the
 * provider, no row), missing_at_provider (a row says money moved, the provider has no such
 * payment), status_differs, amount_differs (amount or currency). The provider is read with a
 * margin around the window so that clock differences between the two do not show as mismatches.
 */
import { M } from '../../../shared/catalogue';
import type { Config } from '../config/load';
import type { Collector, CollectorFactory } from './types';
import type { Sample } from '../metrics/sample';
import type { Db } from '../runtime/db';
import { providerRuntime, type PollerDeps } from '../payments/provider-runtime';
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
  return {
    name: 'reconciliation',
    usesDatabase: true,
    metrics: [M.paymentReconciliationMismatches],
    async collect({ db, log, signal }) {
      const out: Sample[] = [];
      for (const provider of providers) {
        const rt = providerRuntime(config, provider, deps);
        rt.signal = signal;
        try {
          out.push(...(await reconcile(provider, db)));
          last.set(
            provider,
            out.filter((s) => s.labels.provider === provider),
          );
        } catch (e) {
          // A provider outage must not blank the others: keep its last result, say why once.
          const f = describePollError(e, rt.secrets);
          log.error({ provider, kind: f.kind, err: f.message }, 'payment reconciliation failed');
          out.push(...(last.get(provider) ?? []));
        }
      }
      return out;
    },
  };

  async function reconcile(provider: Provider, db: Db): Promise<Sample[]> {
    const settings = config.payment_providers[provider]!;
    const rt = providerRuntime(config, provider, deps);
    const to = Math.floor(rt.clock.now() / 1000 - settings.settle_lag);
    const from = to - Math.floor(config.payment_providers.reconciliation_window);
    const view =
      provider === 'stripe'
        ? await stripePayments(stripeClient(config, rt), from - MARGIN_SECONDS, to + MARGIN_SECONDS)
        : await paypalPayments(PayPalClient.for(config, rt), from - MARGIN_SECONDS, to + MARGIN_SECONDS);
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

export const reconciliation: CollectorFactory = (config) => createReconciliationCollector(config);
