/** Self-metrics of the report scheduler, registered from the catalogue and served on /metrics. */
import http from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import { M } from '../shared/catalogue';
import { REPORT_TYPES, type ReportType } from './periods';

export class ReportMetrics {
  readonly registry = new Registry();
  private readonly lastSuccess = new Gauge({
    name: M.reportLastSuccessTimestampSeconds.name,
    help: M.reportLastSuccessTimestampSeconds.help,
    labelNames: ['report'],
    registers: [this.registry],
  });
  private readonly failures = new Counter({
    name: M.reportFailuresTotal.name,
    help: M.reportFailuresTotal.help,
    labelNames: ['report'],
    registers: [this.registry],
  });

  constructor() {
    // Every kind is visible from the start, so "no success yet" and "no failure yet" are explicit.
    for (const report of REPORT_TYPES) {
      this.lastSuccess.set({ report }, 0);
      this.failures.inc({ report }, 0);
    }
  }

  succeeded(report: ReportType, at: Date): void {
    this.lastSuccess.set({ report }, at.getTime() / 1000);
  }

  failed(report: ReportType): void {
    this.failures.inc({ report });
  }

  async failuresOf(report: ReportType): Promise<number> {
    const m = await this.failures.get();
    return m.values.find((v) => v.labels.report === report)?.value ?? 0;
  }

  /** Serves /metrics; resolves with the bound port. */
  listen(address: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
    const server = http.createServer(async (req, res) => {
      if (req.url === '/metrics') {
        res.setHeader('content-type', this.registry.contentType);
        res.end(await this.registry.metrics());
      } else {
        res.statusCode = req.url === '/healthz' ? 200 : 404;
        res.end(req.url === '/healthz' ? 'ok\n' : 'not found\n');
      }
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, address, () => {
        const bound = (server.address() as { port: number }).port;
        resolve({ port: bound, close: () => new Promise<void>((r) => server.close(() => r())) });
      });
    });
  }
}
