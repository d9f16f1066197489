/**
 * Stripe poller (official SDK). Counts status changes from the Events API over watermark windows
 * (previous watermark, now - settle_lag], cut into windows of at most max_window: a window is
 * committed, with the watermark, only after every page was read (Stripe lists newest first), so
 * faults and restarts neither lose nor double-count an event, and a large backlog commits window by
 * window over several cycles. The first poll starts initial_lookback back. Also
 * publishes balance, open disputes and failed payouts. Never touches the database.
 */
import type Stripe from 'stripe';
import { M } from '../../../shared/catalogue';
import type { Config } from '../config/load';
import type { Collector, CollectorFactory } from './types';
import type { Sample } from '../metrics/sample';
import { ProviderCounters, type CountersJson } from '../payments/provider-counters';
import { providerRuntime, providerSettings, type PollerDeps } from '../payments/provider-runtime';
import { POLLER_METRICS, pollerCycles } from '../payments/provider-call';
import { stripeClient } from '../payments/stripe-client';
import { applyStripeEvent, STRIPE_OPEN_DISPUTE } from '../payments/stripe-events';
import { paymentFolds } from '../payments/folds';
import { z, type ZodType } from 'zod';
import { countersSchema, StateFile, watermarkSchema } from '../payments/state-file';
import { minorToMajor } from '../payments/money';
import { catchUp, catchUpDeadline } from '../payments/catch-up';
import type { Logger } from '../runtime/logger';

export interface StripePollerState {
  version: 1;
  /** Events with created <= watermark (unix seconds) are counted; null before the first poll. */
  watermark: number | null;
  counters: CountersJson;
  /** Open dispute ids; null until seeded from /v1/disputes. */
  openDisputes: string[] | null;
}

const stripeStateSchema: ZodType<StripePollerState> = z.strictObject({
  version: z.literal(1),
  watermark: watermarkSchema,
  counters: countersSchema,
  openDisputes: z.array(z.string()).nullable(),
});

export function createStripeCollector(config: Config, deps: PollerDeps = {}): Collector {
  const settings = providerSettings(config, 'stripe');
  const rt = providerRuntime(config, 'stripe', deps);
  const folds = paymentFolds(config);
  const store = new StateFile<StripePollerState>(settings.state_file, { format: 'stripe-poller', version: 1 }, stripeStateSchema);
  const loaded = store.load();
  const cycle = pollerCycles(config, rt, loaded.refused);
  let state: StripePollerState = loaded.value ?? { version: 1, watermark: null, counters: new ProviderCounters().data, openDisputes: null };
  const totals = new ProviderCounters(state.counters);

  /** Reads events created in (from, to] and commits them with the watermark `to`. */
  async function readWindow(stripe: Stripe, from: number, to: number): Promise<void> {
    const events: Stripe.Event[] = [];
    for await (const ev of stripe.events.list({ limit: 100, created: { gt: from, lte: to } })) events.push(ev);
    // The API lists newest first; apply in the order they happened so dispute states end right.
    events.reverse().sort((a, b) => a.created - b.created);
    const staged = new ProviderCounters();
    const disputes = new Set(state.openDisputes ?? []);
    for (const ev of events) applyStripeEvent(ev, staged, disputes, folds);
    let open = [...disputes];
    if (state.openDisputes === null) {
      // First window ever: the open set comes from the disputes themselves (as of now); later
      // windows follow events, and re-adding or closing a dispute already known is harmless.
      open = [];
      for await (const d of stripe.disputes.list({ limit: 100 })) if (STRIPE_OPEN_DISPUTE.has(d.status)) open.push(d.id);
    }
    totals.merge(staged);
    state = { version: 1, watermark: to, counters: totals.data, openDisputes: open };
    store.save(state);
  }

  async function pollEvents(stripe: Stripe, log: Logger): Promise<void> {
    // The current second may still receive events: close windows one second behind.
    const nowS = Math.floor(rt.clock.now() / 1000);
    const horizon = Math.floor(nowS - settings.settle_lag) - 1;
    const deadline = catchUpDeadline(config, 'stripe', rt.clock);
    const watermark = state.watermark ?? horizon - Math.ceil(settings.initial_lookback);
    const r = await catchUp({
      watermark,
      horizon,
      maxWindowSeconds: settings.max_window,
      clock: rt.clock,
      deadline,
      readWindow: (from, to) => readWindow(stripe, from, to),
    });
    if (!r.complete) log.info({ provider: 'stripe', watermark: r.watermark, horizon, windows: r.windows }, 'payment provider catching up');
  }

  async function pollBalance(stripe: Stripe): Promise<Sample[]> {
    const b = await stripe.balance.retrieve();
    const out: Sample[] = [];
    for (const [type, list] of [
      ['available', b.available],
      ['pending', b.pending],
    ] as const) {
      for (const x of list) {
        const currency = x.currency.toUpperCase();
        out.push({
          metric: M.paymentProviderBalance,
          labels: { provider: 'stripe', currency: folds.currency(currency), type },
          value: minorToMajor(x.amount, currency),
        });
      }
    }
    return out;
  }

  return {
    name: 'stripe',
    usesDatabase: false,
    metrics: POLLER_METRICS,
    async collect({ log, signal }) {
      const balance = await cycle(
        { log, signal },
        async () => {
          const stripe = stripeClient(config, rt);
          await pollEvents(stripe, log);
          return pollBalance(stripe);
        },
        () => state.watermark,
      );
      const out: Sample[] = [
        ...totals.samples('stripe'),
        ...(balance ?? []),
        ...rt.metrics.samples(),
        { metric: M.paymentProviderUp, labels: { provider: 'stripe' }, value: balance ? 1 : 0 },
      ];
      if (state.openDisputes) out.push({ metric: M.paymentDisputesOpen, labels: { provider: 'stripe' }, value: state.openDisputes.length });
      return out;
    },
  };
}

export const stripe: CollectorFactory = (config) => createStripeCollector(config);
