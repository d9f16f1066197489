/**
 * A clock whose sleeps complete at once by moving time forward: budgets, backoff and Retry-After
 * can be checked over virtual minutes in milliseconds of real time. Request timeouts stay real.
 */
import type { Clock } from '../../exporter/src/payments/clock';

export class VirtualClock implements Clock {
  slept = 0;
  constructor(
    public t: number,
    private readonly rnd: () => number = () => 0.5,
  ) {}

  now = (): number => this.t;
  random = (): number => this.rnd();

  /** Called before each sleep with the time it is about to skip (tests use it to cut a poll off mid-way). */
  onSleep?: (ms: number) => void;

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.onSleep?.(ms);
    if (signal?.aborted) throw signal.reason;
    this.t += Math.max(0, ms);
    this.slept += Math.max(0, ms);
    await new Promise((r) => setImmediate(r));
  }

  advance(ms: number): void {
    this.t += ms;
  }
}
