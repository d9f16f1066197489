/** Starts a real exporter for tests: loopback, port 0, no jitter, only the collectors asked for. */
import { startExporter, type RunningExporter } from '../../exporter/src/app';
import { COLLECTOR_DEFAULTS } from '../../exporter/src/collectors';
import { parseConfig, type Config } from '../../exporter/src/config/load';
import { createLogger, type Logger } from '../../exporter/src/runtime/logger';

export function exporterConfig(opts: { url: string; only?: string[]; extra?: Record<string, unknown>; env?: NodeJS.ProcessEnv }): Config {
  const collectors: Record<string, unknown> = {};
  if (opts.only) for (const n of Object.keys(COLLECTOR_DEFAULTS)) collectors[n] = { enabled: opts.only.includes(n) };
  const extra = opts.extra ?? {};
  return parseConfig(
    {
      database: { url: opts.url },
      listen: { address: '127.0.0.1', port: 0 },
      log: { level: 'silent' },
      ...extra,
      collection: { settle_lag: 0, start_jitter: 0, ...((extra.collection as object) ?? {}) },
      collectors: { ...collectors, ...((extra.collectors as object) ?? {}) },
    },
    { env: opts.env ?? {} },
  );
}

export async function startTestExporter(config: Config, log?: Logger): Promise<RunningExporter> {
  return startExporter({ config, log: log ?? createLogger('silent') });
}

/** Polls `check` until it returns true (or throws after `timeoutMs`, with `what` in the message). */
export async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000, stepMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** Parses Prometheus text exposition into `series → value` (series as written, labels included). */
export function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}
