/**
 * A per-provider request budget: at most `perMinute` requests start in any sliding 60-second window.
 * A sliding log (not a token bucket) so the guarantee holds for every window, which is what a
 * provider's rate limiter checks.
 */
import type { Clock } from './clock';

const WINDOW_MS = 60_000;

export class RequestBudget {
  private readonly starts: number[] = [];

  constructor(
    private readonly perMinute: number,
    private readonly clock: Clock,
  ) {}

  /** Waits until a request may start, then records it. */
  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      while (this.starts.length && this.starts[0]! <= now - WINDOW_MS) this.starts.shift();
      if (this.starts.length < this.perMinute) {
        this.starts.push(now);
        return;
      }
      await this.clock.sleep(this.starts[0]! + WINDOW_MS - now, signal);
    }
  }
}
