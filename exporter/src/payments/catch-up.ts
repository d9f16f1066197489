/**
 * Window-by-window catch-up shared by the pollers. The span between the watermark and the horizon is
 * cut into windows of at most `maxWindow` seconds, oldest first; each window is read completely and
 * committed (with the watermark) before the next starts. A poll stops starting new windows once half
 * of its cycle's time is spent, so a long backlog (first start, an outage) progresses over several
 * cycles instead of timing out over and over with nothing committed.
 */
import type { Config } from '../config/load';
import type { Clock } from './clock';
import type { Provider } from './provider';

/** Share of the cycle timeout after which no new window starts (the rest: the window in flight, balances). */
const NEW_WINDOW_SHARE = 0.5;

/**
 * The cycle timeout the scheduler gives this poller (collectors.<name>.timeout, else the larger of
 * 120 s and collection.default_timeout). The provider's own `timeout` is per request, not per cycle:
 * budgeting catch-up by it gave a backlog a few seconds of each cycle.
 */
export function cycleTimeoutSeconds(config: Config, provider: Provider): number {
  return config.collectors[provider]?.timeout ?? Math.max(120, config.collection.default_timeout);
}

export interface CatchUpOptions {
  /** Last second already counted (exclusive lower bound of the first window). */
  watermark: number;
  /** Last second to count in this poll (inclusive). */
  horizon: number;
  maxWindowSeconds: number;
  clock: Clock;
  /** Milliseconds (on `clock`) after which no new window starts. */
  deadline: number;
  /** Reads (from, to] completely and commits it; throws to leave it uncommitted. */
  readWindow(from: number, to: number): Promise<void>;
}

export interface CatchUpResult {
  watermark: number;
  windows: number;
  /** False when the poll stopped before the horizon (the next poll continues). */
  complete: boolean;
}

export async function catchUp(o: CatchUpOptions): Promise<CatchUpResult> {
  const step = Math.max(1, Math.floor(o.maxWindowSeconds));
  let from = o.watermark;
  let windows = 0;
  while (from < o.horizon) {
    // The first window always runs: otherwise a slow provider could starve progress entirely.
    if (windows > 0 && o.clock.now() >= o.deadline) break;
    const to = Math.min(o.horizon, from + step);
    await o.readWindow(from, to);
    from = to;
    windows += 1;
  }
  return { watermark: from, windows, complete: from >= o.horizon };
}

/** The instant after which a poll starting now starts no new window. */
export function catchUpDeadline(config: Config, provider: Provider, clock: Clock): number {
  return clock.now() + cycleTimeoutSeconds(config, provider) * 1000 * NEW_WINDOW_SHARE;
}
