/**
 * Monthly report generation over 30 days of backfilled history: wall time and peak memory
 * (RSS sampled every 10 ms, and V8 heap). `npx tsx bench/report-generation.ts`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseReportsConfig } from '../reports/config';
import { monthlyPeriod } from '../reports/periods';
import { PrometheusClient } from '../reports/prometheus-client';
import { renderReport } from '../reports/render';
import { writeHistory } from '../tests/support/report-history';
import { createBlocks, startPrometheus } from '../tests/support/report-prometheus';

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'pulse-report-bench-'));
  const file = path.join(work, 'history.om');
  // 30 days of September plus one day before it, so the first day has a full 1-day window.
  await writeHistory(file, { start: new Date('2026-08-31T00:00:00Z'), days: 31, stepSeconds: 900 });
  await createBlocks(file, path.join(work, 'tsdb'));
  const prom = await startPrometheus(path.join(work, 'tsdb'));
  const config = parseReportsConfig({
    prometheus: { url: prom.url },
    grafana: { url: 'http://grafana' },
    settle_lag: 0, // the synthetic history's counters are not lagged
    output_dir: path.join(work, 'out'),
  });
  const period = monthlyPeriod('2026-09', 'UTC');
  const client = new PrometheusClient({ url: prom.url });
  try {
    await renderReport(client, config, period); // warm-up (Prometheus page cache, module load)
    const runs: number[] = [];
    let peakRss = 0;
    let peakHeap = 0;
    const timer = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 10);
    for (let i = 0; i < 5; i++) {
      const t = process.hrtime.bigint();
      await renderReport(client, config, period);
      runs.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    clearInterval(timer);
    runs.sort((a, b) => a - b);
    console.log(
      JSON.stringify({
        report: 'monthly 2026-09 (30 days, 15-min samples, 2 exporter replicas)',
        runs: runs.map((r) => Math.round(r)),
        median_ms: Math.round(runs[2]!),
        peak_rss_mb: +(peakRss / 2 ** 20).toFixed(1),
        peak_heap_mb: +(peakHeap / 2 ** 20).toFixed(1),
        node: process.version,
        cpus: os.cpus().length,
      }),
    );
  } finally {
    await prom.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
