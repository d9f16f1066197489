/**
 * One continuous aggregate (WindowFacts) read by two collectors that run on their own timers: revenue's
 * ARPU divides by the same signed-in users that active_users counts, so when both are enabled they
 * read one store of signed-in sessions instead of each keeping (and reading, and holding) a copy.
 *
 * What this wrapper decides, and why:
 * - One cycle at a time. Readers are serialized by a promise chain: a store is never advanced by two
 *   transactions at once, and a reader evaluates inside its turn, so nobody advances it under them.
 * - Whoever comes first advances. A reader whose transaction's now() is later than the store's
 *   advances it with its own transaction (reads since the previous horizon, as a single owner would);
 *   one at or before the store's now reads nothing and evaluates at its own now: windows are cut by
 *   now, and facts after it are outside every window.
 * - Pruning lags one advance. Advancing to now N keeps the facts of the previous advance's window too
 *   (prunes through min(N, previous now) - 30d), so a reader whose now lies between the two, the
 *   other collector's transaction begun a moment before, still finds its whole 30-day window: exact.
 *   A reader whose window starts before what is kept (the two cycles of the very first build racing,
 *   or a transaction older than the previous advance) is evaluated at the store's now instead: exact
 *   for that instant, which is at most one cycle later than its own.
 * - Drift at a full refresh is measured on the facts' own series (`drift`), whichever reader brings the
 *   refresh, so the number does not depend on which timer came first.
 * Ownership (self-metrics, the state file, reload keys) is the collectors' business: see
 * active-users.ts and collectorKey in app.ts.
 */
import type { Logger } from '../runtime/logger';
import type { Db } from '../runtime/db';
import type { Sample } from '../metrics/sample';
import { dbNowUs, type FactStore, type WindowFacts, type WindowSettings, US } from './window-facts';

export class SharedWindowFacts<C extends string> {
  /** Settles when the current reader's turn ends. */
  private turn: Promise<void> = Promise.resolve();
  /** The now the facts were last advanced to. */
  private atUs = -Infinity;

  constructor(
    readonly facts: WindowFacts<C>,
    private readonly drift: (store: FactStore<C>, nowUs: number) => Sample[],
  ) {}

  /**
   * Brings the facts up to this transaction's now (unless another reader already did) and returns
   * `use` of them at the instant they are evaluated at (see the module comment), inside the turn.
   */
  async read<T>(db: Db, s: WindowSettings, use: (store: FactStore<C>, nowUs: number) => T, log?: Logger): Promise<T> {
    const nowUs = await dbNowUs(db);
    const previous = this.turn;
    let done!: () => void;
    this.turn = new Promise<void>((resolve) => (done = resolve));
    try {
      await previous;
      return use(...(await this.advance(db, s, nowUs, log)));
    } finally {
      done();
    }
  }

  private async advance(db: Db, s: WindowSettings, nowUs: number, log?: Logger): Promise<[FactStore<C>, number]> {
    if (nowUs > this.atUs || !this.facts.store) {
      const keepFromUs = Number.isFinite(this.atUs) ? Math.min(nowUs, this.atUs) : nowUs;
      await this.facts.cycle(db, s, this.drift, log, { nowUs, keepFromUs });
      this.atUs = nowUs;
      return [this.facts.store!, nowUs];
    }
    const covered = nowUs - this.facts.spec.retainSeconds * US >= this.facts.keptAfterUs;
    return [this.facts.store, covered ? nowUs : this.atUs];
  }
}
