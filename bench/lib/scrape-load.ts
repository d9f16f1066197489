/**
 * Closed-loop scrape load: N scrapers, each issuing GET /metrics back to back over keep-alive
 * connections for a fixed time, recording the latency of every complete response (headers + body).
 */
import http from 'node:http';

/** What Prometheus sends (with Accept-Encoding: gzip), so the exporter negotiates as in production. */
export const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2';

export interface LatencySummary {
  requests: number;
  errors: number;
  seconds: number;
  requestsPerSecond: number;
  bytesPerResponse: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

function scrapeOnce(agent: http.Agent, url: URL): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    // Prometheus asks for gzip too; the body is counted as it arrives (compressed), as Prometheus reads it.
    const req = http.get(url, { agent, headers: { accept: PROMETHEUS_ACCEPT, 'accept-encoding': 'gzip' } }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export async function scrapeLoad(
  metricsUrl: string,
  opts: { scrapers: number; seconds: number; onProgress?: (elapsedS: number, requests: number) => void },
): Promise<LatencySummary> {
  const url = new URL(metricsUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.scrapers });
  const latencies: number[] = [];
  let errors = 0;
  let bytes = 0;
  const start = process.hrtime.bigint();
  const endAt = start + BigInt(Math.round(opts.seconds * 1e9));
  const ticker = setInterval(() => opts.onProgress?.(Number(process.hrtime.bigint() - start) / 1e9, latencies.length), 5_000);
  const scraper = async () => {
    while (process.hrtime.bigint() < endAt) {
      const t = process.hrtime.bigint();
      try {
        const r = await scrapeOnce(agent, url);
        if (r.status !== 200) errors++;
        else {
          latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
          bytes += r.bytes;
        }
      } catch {
        errors++;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.scrapers }, scraper));
  } finally {
    clearInterval(ticker);
    agent.destroy();
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    seconds,
    requestsPerSecond: latencies.length / seconds,
    bytesPerResponse: latencies.length ? Math.round(bytes / latencies.length) : 0,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1] ?? NaN,
  };
}

/** Samples in a text or OpenMetrics exposition (every line that is not a comment). */
export function countSeries(exposition: string): number {
  let n = 0;
  for (const line of exposition.split('\n')) if (line && !line.startsWith('#')) n++;
  return n;
}
