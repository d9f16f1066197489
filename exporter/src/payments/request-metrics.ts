/**
 * Request self-metrics of one provider: attempts by endpoint and status code, and a duration
 * histogram by endpoint. Never rolled back: a request that failed still happened.
 */
import { M } from '../../../shared/catalogue';
import type { HistogramSample, ScalarSample } from '../metrics/sample';
import type { Provider } from './provider';

const buckets = M.paymentProviderRequestDurationSeconds.buckets!;

export class RequestMetrics {
  private readonly counts = new Map<string, { endpoint: string; code: string; n: number }>();
  private readonly durations = new Map<string, { buckets: number[]; sum: number; count: number }>();

  constructor(readonly provider: Provider) {}

  observe(endpoint: string, code: string, seconds: number): void {
    const key = `${endpoint}|${code}`;
    const c = this.counts.get(key) ?? { endpoint, code, n: 0 };
    c.n += 1;
    this.counts.set(key, c);
    const d = this.durations.get(endpoint) ?? { buckets: buckets.map(() => 0), sum: 0, count: 0 };
    buckets.forEach((le, i) => {
      if (seconds <= le) d.buckets[i]! += 1;
    });
    d.sum += seconds;
    d.count += 1;
    this.durations.set(endpoint, d);
  }

  /** Total attempts so far (all endpoints and codes). */
  total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c.n;
    return n;
  }

  samples(): (ScalarSample | HistogramSample)[] {
    const provider = this.provider;
    return [
      ...[...this.counts.values()].map((c) => ({
        metric: M.paymentProviderRequestsTotal,
        labels: { provider, endpoint: c.endpoint, code: c.code },
        value: c.n,
      })),
      ...[...this.durations].map(([endpoint, d]) => ({
        metric: M.paymentProviderRequestDurationSeconds,
        labels: { provider, endpoint },
        buckets: [...d.buckets],
        sum: d.sum,
        count: d.count,
      })),
    ];
  }
}
