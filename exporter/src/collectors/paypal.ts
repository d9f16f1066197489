/**
 * PayPal poller (REST over fetch). Transactions come from the Reporting API, whose data arrives
 * late: windows close at now - settle_lag, are at most max_window long (31 days: the API's limit),
 * are read page by page, and each is committed with the watermark only once fully read; a backlog
 * catches up window by window over several cycles. The first poll starts initial_lookback back. Also publishes
 * balances and open disputes. Never touches the database.
 */
import { M } from '../../../shared/catalogue';
import type { Config } from '../config/load';
import type { Collector, CollectorFactory } from './types';
import type { Sample } from '../metrics/sample';
import { ProviderCounters, type CountersJson } from '../payments/provider-counters';
import { providerRuntime, providerSettings, type PollerDeps } from '../payments/provider-runtime';
import { POLLER_METRICS, pollerCycles } from '../payments/provider-call';
import { PayPalClient } from '../payments/paypal-client';
import {
  applyPayPalTransaction,
  PAYPAL_MAX_WINDOW_SECONDS,
  PAYPAL_OPEN_DISPUTE_STATES,
  readPayPalTransactions,
  RefundLedger,
} from '../payments/paypal-transactions';
import { z, type ZodType } from 'zod';
import { countersSchema, StateFile, watermarkSchema } from '../payments/state-file';
import { paymentFolds } from '../payments/folds';
import { catchUp, catchUpDeadline } from '../payments/catch-up';
import type { Logger } from '../runtime/logger';

export interface PayPalPollerState {
  version: 1;
  /** Transactions dated <= watermark (unix seconds) are counted; null before the first poll. */
  watermark: number | null;
  counters: CountersJson;
  /** Payments already counted as refunded (id → first refund, unix seconds); absent in older state files. */
  refunded?: Record<string, number>;
}

const paypalStateSchema: ZodType<PayPalPollerState> = z.strictObject({
  version: z.literal(1),
  watermark: watermarkSchema,
  counters: countersSchema,
  refunded: z.record(z.string(), z.number().int()).optional(),
});

export function createPayPalCollector(config: Config, deps: PollerDeps = {}): Collector {
  const settings = providerSettings(config, 'paypal');
  const rt = providerRuntime(config, 'paypal', deps);
  const folds = paymentFolds(config);
  const store = new StateFile<PayPalPollerState>(settings.state_file, { format: 'paypal-poller', version: 1 }, paypalStateSchema);
  const loaded = store.load();
  const cycle = pollerCycles(config, rt, loaded.refused);
  let state: PayPalPollerState = loaded.value ?? { version: 1, watermark: null, counters: new ProviderCounters().data };
  const totals = new ProviderCounters(state.counters);

  /** Reads transactions dated in [from + 1, to] page by page and commits them with the watermark `to`. */
  async function readWindow(api: PayPalClient, from: number, to: number): Promise<void> {
    const staged = new ProviderCounters();
    const refunds = new RefundLedger(state.refunded);
    await readPayPalTransactions(api, from + 1, to, (t) => applyPayPalTransaction(t, staged, folds, refunds));
    totals.merge(staged);
    state = { version: 1, watermark: to, counters: totals.data, refunded: refunds.commit(to) };
    store.save(state);
  }

  async function pollTransactions(api: PayPalClient, log: Logger): Promise<void> {
    const nowS = Math.floor(rt.clock.now() / 1000);
    // The current second may still receive transactions: close windows one second behind.
    const horizon = nowS - Math.ceil(settings.settle_lag) - 1;
    const deadline = catchUpDeadline(config, 'paypal', rt.clock);
    const watermark = state.watermark ?? nowS - Math.ceil(settings.initial_lookback);
    // A window [from + 1, to] spans max_window - 1 seconds: within the API's 31-day limit.
    const r = await catchUp({
      watermark,
      horizon,
      maxWindowSeconds: Math.min(PAYPAL_MAX_WINDOW_SECONDS, settings.max_window),
      clock: rt.clock,
      deadline,
      readWindow: (from, to) => readWindow(api, from, to),
    });
    if (!r.complete) log.info({ provider: 'paypal', watermark: r.watermark, horizon, windows: r.windows }, 'payment provider catching up');
  }

  async function pollBalances(api: PayPalClient): Promise<Sample[]> {
    const res = await api.get<{
      balances?: { currency: string; available_balance?: { value: string }; withheld_balance?: { value: string } }[];
    }>('balances', '/v1/reporting/balances', {});
    const out: Sample[] = [];
    for (const b of res.balances ?? []) {
      const currency = folds.currency(b.currency.toUpperCase());
      out.push({
        metric: M.paymentProviderBalance,
        labels: { provider: 'paypal', currency, type: 'available' },
        value: Number(b.available_balance?.value ?? 0),
      });
      out.push({
        metric: M.paymentProviderBalance,
        labels: { provider: 'paypal', currency, type: 'pending' },
        value: Number(b.withheld_balance?.value ?? 0),
      });
    }
    return out;
  }

  async function pollDisputes(api: PayPalClient): Promise<number> {
    let n = 0;
    let token: string | undefined;
    do {
      const q: Record<string, string | number> = { dispute_state: PAYPAL_OPEN_DISPUTE_STATES, page_size: 50 };
      if (token) q.next_page_token = token;
      const res = await api.get<{ items?: unknown[]; links?: { rel: string; href: string }[] }>('disputes', '/v1/customer/disputes', q);
      n += res.items?.length ?? 0;
      const next = res.links?.find((l) => l.rel === 'next')?.href;
      token = next ? (new URL(next, 'http://x').searchParams.get('next_page_token') ?? undefined) : undefined;
    } while (token);
    return n;
  }

  return {
    name: 'paypal',
    usesDatabase: false,
    metrics: POLLER_METRICS.filter((m) => m !== M.paymentPayoutsFailedTotal),
    async collect({ log, signal }) {
      const polled = await cycle(
        { log, signal },
        async () => {
          const api = PayPalClient.for(config, rt);
          await pollTransactions(api, log);
          return { balance: await pollBalances(api), disputesOpen: await pollDisputes(api) };
        },
        () => state.watermark,
      );
      // PayPal reports no payout failures through these APIs: that series is Stripe's only.
      const out: Sample[] = [
        ...totals.samples('paypal').filter((s) => s.metric !== M.paymentPayoutsFailedTotal),
        ...(polled?.balance ?? []),
        ...rt.metrics.samples(),
        { metric: M.paymentProviderUp, labels: { provider: 'paypal' }, value: polled ? 1 : 0 },
      ];
      if (polled) out.push({ metric: M.paymentDisputesOpen, labels: { provider: 'paypal' }, value: polled.disputesOpen });
      return out;
    },
  };
}

export const paypal: CollectorFactory = (config) => createPayPalCollector(config);
