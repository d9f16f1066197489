import type { MetricDef } from '../../../shared/catalogue';
import type { Config } from '../config/load';
import type { Logger } from '../runtime/logger';
import type { Db } from '../runtime/db';
import type { WindowFacts } from './window-facts';
import type { SharedWindowFacts } from './shared-window-facts';
import type { ActiveCol } from './active-users';
import type { Sample } from '../metrics/sample';

export interface CollectContext {
  /** Read-only transaction with the collector's statement_timeout already set. */
  readonly db: Db;
  readonly config: Config;
  readonly log: Logger;
  /** Aborted when the collector's timeout expires or the exporter shuts down. */
  readonly signal: AbortSignal;
}

/**
 * A collector produces the complete current set of samples for the metric families it owns. The
 * scheduler replaces its previous snapshot with the result, so a label set that disappears from a
 * query's result disappears from /metrics. Counters keep their running totals inside the collector.
 */
export interface Collector {
  readonly name: string;
  /** Families this collector owns (used to pre-declare HELP/TYPE and for docs). */
  readonly metrics: readonly MetricDef[];
  /** Whether it needs the database (payment pollers do not). */
  readonly usesDatabase: boolean;
  /**
   * Remote work (payment provider calls) that runs before the read-only transaction opens, with the
   * same signal: no transaction stays open across a remote call. collect() then compares in a short one.
   */
  prefetch?(ctx: Omit<CollectContext, 'db'>): Promise<void>;
  collect(ctx: CollectContext): Promise<Sample[]>;
  /** Window collectors: their continuous-aggregate state, persisted and carried across reloads. */
  readonly windowStates?: readonly WindowFacts<string>[];
}

/**
 * State that collectors built from one configuration share: made once per build of the whole set
 * (scheduledCollectors), so two builds (a restart, a reload's new instances) never share it.
 */
export interface SharedState {
  /** Signed-in sessions, when both active_users (which owns them) and revenue are enabled. */
  readonly activeUserFacts?: SharedWindowFacts<ActiveCol>;
}

/** Collectors are built fresh per exporter (and per test) because counters carry state. */
export type CollectorFactory = (config: Config, shared?: SharedState) => Collector;
