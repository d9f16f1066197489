/**
 * Exposes the MetricStore through prom-client, which does the text and OpenMetrics formatting.
 * Two registries (one per format) each hold their own thin wrapper objects: prom-client renames
 * counters in place when rendering OpenMetrics, so the same object cannot serve both.
 */
import { gzipSync } from 'node:zlib';
import client, { Registry, type OpenMetricsContentType } from 'prom-client';
import type { MetricDef } from '../../../shared/catalogue';
import type { MetricStore } from './store';
import { isHistogramSample } from './sample';

interface PromValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** A prom-client compatible metric whose values come from the snapshot store. */
class SnapshotMetric {
  readonly aggregator = 'sum';
  name: string;
  readonly help: string;
  readonly type: string;

  constructor(
    private readonly def: MetricDef,
    private readonly store: MetricStore,
  ) {
    this.name = def.name;
    this.help = def.help;
    this.type = def.type;
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: PromValue[] } {
    const values: PromValue[] = [];
    const base = this.def.name;
    for (const s of this.store.samplesFor(base)) {
      const labels = s.labels;
      if (isHistogramSample(s)) {
        const bounds = this.def.buckets ?? [];
        bounds.forEach((le, i) => {
          values.push({ labels: { ...labels, le }, value: s.buckets[i] ?? 0, metricName: `${base}_bucket` });
        });
        values.push({ labels: { ...labels, le: '+Inf' }, value: s.count, metricName: `${base}_bucket` });
        values.push({ labels, value: s.sum, metricName: `${base}_sum` });
        values.push({ labels, value: s.count, metricName: `${base}_count` });
      } else {
        values.push({ labels, value: s.value });
      }
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {}
}

export interface Registries {
  text: Registry;
  openMetrics: Registry;
}

function emptyRegistries(staticLabels: Record<string, string>): Registries {
  const text = new Registry();
  const openMetrics = new Registry();
  (openMetrics as unknown as Registry<OpenMetricsContentType>).setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  if (Object.keys(staticLabels).length) for (const r of [text, openMetrics]) r.setDefaultLabels(staticLabels);
  return { text, openMetrics };
}

/**
 * Both registries over `defs` (catalogue plus custom metrics), with the default process metrics
 * unless `processMetrics` is false.
 */
export function createRegistries(
  defs: readonly MetricDef[],
  store: MetricStore,
  staticLabels: Record<string, string>,
  { processMetrics = true }: { processMetrics?: boolean } = {},
): Registries {
  const regs = emptyRegistries(staticLabels);
  for (const reg of [regs.text, regs.openMetrics]) {
    for (const def of defs) reg.registerMetric(new SnapshotMetric(def, store) as unknown as client.Metric);
    if (processMetrics) client.collectDefaultMetrics({ register: reg });
  }
  return regs;
}

/** The default Node.js process metrics alone, in both formats. */
export function processRegistries(staticLabels: Record<string, string>): Registries {
  const regs = emptyRegistries(staticLabels);
  for (const reg of [regs.text, regs.openMetrics]) client.collectDefaultMetrics({ register: reg });
  return regs;
}

const EOF_LINE = '# EOF\n';
const PROCESS_TTL_MS = 1_000;

interface Rendered {
  version: number;
  processAt: number;
  body: Buffer;
  gzip: Buffer | null;
}

/**
 * What /metrics sends. The snapshot part is rendered once per store version (collectors change it
 * every few seconds; scrapes may come many times a second from several Prometheus servers), the
 * process part at most once a second; the joined body is kept as bytes, and gzipped once per change
 * for scrapers that accept it (Prometheus does). A scrape then only writes a buffer.
 */
export class Exposition {
  private snapshot: [{ version: number; body: Promise<string> } | null, { version: number; body: Promise<string> } | null] = [null, null];
  private process: [{ at: number; body: Promise<string> } | null, { at: number; body: Promise<string> } | null] = [null, null];
  private rendered: [Rendered | null, Rendered | null] = [null, null];

  constructor(
    private readonly store: MetricStore,
    private readonly catalogue: Registries,
    private readonly processRegs: Registries,
    private readonly now: () => number = Date.now,
  ) {}

  async renderBytes(openMetrics: boolean, acceptGzip: boolean): Promise<{ body: Buffer; gzip: boolean }> {
    const i = openMetrics ? 1 : 0;
    const version = this.store.version;
    let snap = this.snapshot[i];
    if (!snap || snap.version !== version) {
      snap = { version, body: (openMetrics ? this.catalogue.openMetrics : this.catalogue.text).metrics() };
      this.snapshot[i] = snap;
    }
    let proc = this.process[i];
    if (!proc || this.now() - proc.at >= PROCESS_TTL_MS) {
      proc = { at: this.now(), body: (openMetrics ? this.processRegs.openMetrics : this.processRegs.text).metrics() };
      this.process[i] = proc;
    }
    let out = this.rendered[i];
    if (!out || out.version !== snap.version || out.processAt !== proc.at) {
      const [a, b] = await Promise.all([snap.body, proc.body]);
      const text = openMetrics ? `${a.slice(0, a.length - EOF_LINE.length)}${b}` : `${a}\n${b}`;
      out = { version: snap.version, processAt: proc.at, body: Buffer.from(text, 'utf8'), gzip: null };
      this.rendered[i] = out;
    }
    if (!acceptGzip) return { body: out.body, gzip: false };
    out.gzip ??= gzipSync(out.body, { level: 1 });
    return { body: out.gzip, gzip: true };
  }
}
