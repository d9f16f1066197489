/** Helpers for the payment poller tests: run a DB-less collector, capture logs, compare with ground truth. */
import { M } from '../../../shared/catalogue';
import type { Collector } from '../../../exporter/src/collectors/types';
import type { Sample } from '../../../exporter/src/metrics/sample';
import type { Config } from '../../../exporter/src/config/load';
import { allowList, fold } from '../../../exporter/src/metrics/labels';
import { createLogger, type Logger } from '../../../exporter/src/runtime/logger';
import { minorToMajor } from '../../../exporter/src/payments/money';
import { isHistogramSample } from '../../../exporter/src/metrics/sample';
import type { GroundTruth, TruthFolds } from '../../../exporter/src/demo/fakes/payment-stream';

export const throwingDb = {
  query(): Promise<never> {
    throw new Error('payment pollers must not touch the database');
  },
};

import { captureLogger } from '../../support/log';
export { captureLogger };

export async function runCollector(
  c: Collector,
  config: Config,
  log: Logger = createLogger('silent'),
  signal: AbortSignal = new AbortController().signal,
): Promise<Sample[]> {
  return c.collect({ db: throwingDb, config, log, signal });
}

/** The balance series among a cycle's samples. */
export const balancesOf = (samples: Sample[]) => samples.filter((s) => s.metric === M.paymentProviderBalance);

/**
 * Runs a cycle whose poll fails and checks what every failed poll shows: provider_up 0, no balance
 * (not the last good poll's) and one log line. Returns the cycle's samples.
 */
export async function expectFailedPoll(c: Collector, config: Config, provider: string): Promise<Sample[]> {
  const { log, lines } = captureLogger();
  const s = await runCollector(c, config, log);
  expect(gauge(s, M.paymentProviderUp, { provider })).toBe(0);
  expect(balancesOf(s)).toEqual([]);
  expect(lines.filter((l) => l.includes('payment provider poll failed'))).toHaveLength(1);
  return s;
}

export function truthFolds(config: Config): TruthFolds {
  const currencies = allowList(config, 'currencies');
  const reasons = allowList(config, 'failure_codes');
  return { currency: (c) => fold(c, currencies), reason: (r) => fold(r, reasons) };
}

/** The counter families of one provider as plain objects, from samples. */
export function exportedCounters(samples: Sample[], provider: string) {
  const payments: Record<string, number> = {};
  const amounts: Record<string, number> = {};
  const failures: Record<string, number> = {};
  let payoutsFailed: number | undefined;
  let disputesOpen: number | undefined;
  for (const s of samples) {
    if (isHistogramSample(s) || s.labels.provider !== provider) continue;
    if (s.metric === M.paymentsTotal && s.value !== 0) payments[s.labels.status!] = s.value;
    if (s.metric === M.paymentAmountTotal) amounts[`${s.labels.currency}|${s.labels.status}`] = Math.round(s.value * 100) / 100;
    if (s.metric === M.paymentFailuresTotal) failures[s.labels.reason!] = s.value;
    if (s.metric === M.paymentPayoutsFailedTotal) payoutsFailed = s.value;
    if (s.metric === M.paymentDisputesOpen) disputesOpen = s.value;
  }
  return { payments, amounts, failures, payoutsFailed, disputesOpen };
}

export function expectedCounters(t: GroundTruth) {
  const amounts: Record<string, number> = {};
  for (const [k, v] of Object.entries(t.amountsMinor)) amounts[k] = Math.round(minorToMajor(v, k.split('|')[0]!) * 100) / 100;
  return { payments: t.payments, amounts, failures: t.failures };
}

export function gauge(samples: Sample[], metric: { name: string }, labels: Record<string, string>): number | undefined {
  const s = samples.find((x) => x.metric.name === metric.name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return s && !isHistogramSample(s) ? s.value : undefined;
}

/** Largest number of requests that started within any 60 s window. */
export function maxPerMinute(times: number[]): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i]! - t[j]! >= 60_000) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}
