/**
 * Running totals of what a provider reported, kept as plain JSON (amounts in integer minor units,
 * so sums are exact) so that they can be persisted with the watermark and restored after a restart.
 * Labels are folded into their allow-lists before they get here, which keeps the state bounded.
 */
import { M, PAYMENT_STATUSES } from '../../../shared/catalogue';
import type { ScalarSample } from '../metrics/sample';
import { minorToMajor } from './money';
import type { Provider } from './provider';

export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export interface CountersJson {
  payments: Record<string, number>;
  /** `${currency}|${status}` → minor units. */
  amounts: Record<string, number>;
  failures: Record<string, number>;
  payoutsFailed: number;
  /** Provider records skipped because they failed validation (absent in older state files). */
  rejected?: number;
}

export class ProviderCounters {
  data: CountersJson;

  constructor(data?: CountersJson) {
    this.data = data ? structuredClone(data) : { payments: {}, amounts: {}, failures: {}, payoutsFailed: 0 };
  }

  /** One payment entering `status`; `currency` already folded, `amountMinor` in the original currency's minor units. */
  payment(status: PaymentStatus, currency: string, amountMinor: number): void {
    this.data.payments[status] = (this.data.payments[status] ?? 0) + 1;
    const k = `${currency}|${status}`;
    this.data.amounts[k] = (this.data.amounts[k] ?? 0) + amountMinor;
  }

  failure(reason: string): void {
    this.data.failures[reason] = (this.data.failures[reason] ?? 0) + 1;
  }

  payoutFailed(): void {
    this.data.payoutsFailed += 1;
  }

  rejected(): void {
    this.data.rejected = (this.data.rejected ?? 0) + 1;
  }

  merge(other: ProviderCounters): void {
    for (const [k, v] of Object.entries(other.data.payments)) this.data.payments[k] = (this.data.payments[k] ?? 0) + v;
    for (const [k, v] of Object.entries(other.data.amounts)) this.data.amounts[k] = (this.data.amounts[k] ?? 0) + v;
    for (const [k, v] of Object.entries(other.data.failures)) this.data.failures[k] = (this.data.failures[k] ?? 0) + v;
    this.data.payoutsFailed += other.data.payoutsFailed;
    if (other.data.rejected) this.data.rejected = (this.data.rejected ?? 0) + other.data.rejected;
  }

  /**
   * Samples with source="provider". Every status is published (0 included) so that rate() sees the
   * series from the first scrape.
   */
  samples(provider: Provider): ScalarSample[] {
    const source = 'provider';
    const out: ScalarSample[] = PAYMENT_STATUSES.map((status) => ({
      metric: M.paymentsTotal,
      labels: { provider, status, source },
      value: this.data.payments[status] ?? 0,
    }));
    for (const [k, v] of Object.entries(this.data.amounts)) {
      const [currency, status] = k.split('|') as [string, string];
      out.push({ metric: M.paymentAmountTotal, labels: { provider, currency, status, source }, value: minorToMajor(v, currency) });
    }
    for (const [reason, v] of Object.entries(this.data.failures))
      out.push({ metric: M.paymentFailuresTotal, labels: { provider, reason, source }, value: v });
    out.push({ metric: M.paymentPayoutsFailedTotal, labels: { provider }, value: this.data.payoutsFailed });
    out.push({ metric: M.paymentProviderRecordsRejectedTotal, labels: { provider }, value: this.data.rejected ?? 0 });
    return out;
  }
}
