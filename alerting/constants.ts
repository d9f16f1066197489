/**
 * Alert-only thresholds. Benchmarks shared with dashboards live in
 * shared/conventions.ts (BENCHMARKS); these are the knobs only alerting needs.
 */
export const ALERT = {
  /** Payments in 10 minutes below which a provider's success rate is not judged (quiet nights). */
  paymentMinVolume10m: 20,
  /** Failures we caused (not buyer declines) in 10 minutes needed before a low success rate pages. */
  paymentMinFailures10m: 5,
  /**
   * Burn-rate volume guards (SRE workbook, low-traffic services): the long window needs this many
   * events and the short window this many bad ones, so one 5xx among a handful of requests never pages.
   */
  burnMinEvents: 100,
  burnMinErrors: 5,
  /** Page views in 5 minutes needed before the 5xx ratio is judged. */
  httpMinResponses5m: 100,
  /** Orders in the same 30 minutes last week needed before "orders stopped" can page. */
  ordersStoppedMinLastWeek: 10,
  /** GMV this hour below this share of the same hour last week is "far below". */
  gmvDropRatio: 0.5,
  /** GMV (major units) in the same hour last week needed before the comparison means anything. */
  gmvMinLastWeek: 1000,
  /** A spike is this many times its baseline (same window last week, or last week's average window) ... */
  spikeFactor: 3,
  /** ... and at least this many events in the hour (a jump from 1 to 4 is not a spike). */
  refundSpikeMin: 10,
  disputeSpikeMin: 5,
  payoutChangesSpikeMin: 5,
  /** Failed logins in 10 minutes needed before a spike against the baseline pages. */
  failedLoginSpikeMin: 50,
  /** Cart abandonment (1d window) this many points above the same time last week. */
  cartAbandonmentRise: 0.15,
  /** Live sellers below the low-credit threshold before the growth team acts. */
  sellersLowCreditMax: 10,
  /** Objects exported or deleted in 15 minutes that look like bulk exfiltration or destruction. */
  bulkObjects15m: 10_000,
  /** Unauthorized API calls in 10 minutes. */
  unauthorizedApi10m: 20,
  /** TLS certificate days left: ticket below the first, page below the second. */
  certTicketDays: 14,
  certPageDays: 3,
  /** Error rate over 5 minutes that pages regardless of the error budget. */
  httpErrorRatio5m: 0.05,
  /** Hold after a spike's condition clears, so a sustained attack with dips does not resolve and re-page. */
  spikeKeepFiring: '30m',
  /** Age of a collector's last success that counts as stale data. */
  dataStaleSeconds: 2 * 3600,
  /** Notification failures (Prometheus → Alertmanager, Alertmanager → receivers) that ticket, with a volume guard. */
  notificationErrorRatio: 0.01,
  notificationMinErrors: 3,
  /** Failed report attempts in 2 hours that ticket (one transient failure is retried quietly). */
  reportMinFailures2h: 2,
  /** Scrape duration of the exporter that counts as slow (scrapes read a cache: microseconds). */
  scrapeSlowSeconds: 1,
} as const;
