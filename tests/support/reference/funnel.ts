/** Reference implementation (the full-window SQL of the collector before continuous aggregates): the ground truth the incremental collector is compared with. */
/**
 * Funnel steps and conversion per trailing window. Sessions of the longest window are read once
 * (sessions_started_at_idx); each step is an EXISTS probe through events_session_type_idx,
 * orders_session_idx and payments_order_idx, so the cost follows the sessions in the window, not
 * the size of the events or orders tables.
 */
import { M, WINDOWS, WINDOW_SECONDS } from '../../../shared/catalogue';
import type { CollectorFactory } from '../../../exporter/src/collectors/types';
import type { Sample } from '../../../exporter/src/metrics/sample';
import { OTHER, allowList, fold } from '../../../exporter/src/metrics/labels';

export const FUNNEL_STEPS = ['visit', 'product_view', 'add_to_cart', 'checkout', 'paid'] as const;

// "Has at least one row" as a per-session index probe. A plain EXISTS in the select list may be
// planned as a hash over the whole table (seen on events); a LIMIT inside a counted sub-select cannot.
const anyRow = (query: string) => `((SELECT count(*) FROM (${query} LIMIT 1) one) > 0)`;
const hasEvent = (type: string) => anyRow(`SELECT 1 FROM events e WHERE e.session_id = s.id AND e.type = '${type}'`);

export const FUNNEL_SQL = `
  WITH s AS MATERIALIZED (
    SELECT s.started_at,
           s.channel,
           ${hasEvent('product_view')} AS product_view,
           ${hasEvent('add_to_cart')} AS add_to_cart,
           ${hasEvent('checkout')} AS checkout,
           ${anyRow('SELECT 1 FROM orders o WHERE o.session_id = s.id')} AS ordered,
           ${anyRow('SELECT 1 FROM orders o JOIN payments p ON p.order_id = o.id WHERE o.session_id = s.id AND p.succeeded_at IS NOT NULL')} AS paid
      FROM sessions s
     WHERE s.started_at > now() - make_interval(secs => $3::double precision)
       AND s.started_at <= now()
  )
  SELECT w.name AS window,
         s.channel,
         count(s.started_at) AS visit,
         count(*) FILTER (WHERE s.product_view) AS product_view,
         count(*) FILTER (WHERE s.add_to_cart) AS add_to_cart,
         count(*) FILTER (WHERE s.checkout) AS checkout,
         count(*) FILTER (WHERE s.paid) AS paid,
         count(*) FILTER (WHERE s.ordered) AS ordered
    FROM unnest($1::text[], $2::double precision[]) AS w(name, secs)
    LEFT JOIN s ON s.started_at > now() - make_interval(secs => w.secs)
   GROUP BY w.name, s.channel`;

type StepCounts = Record<(typeof FUNNEL_STEPS)[number] | 'ordered', number>;
const zero = (): StepCounts => ({ visit: 0, product_view: 0, add_to_cart: 0, checkout: 0, paid: 0, ordered: 0 });

export const funnel: CollectorFactory = (config) => {
  const channels = allowList(config, 'channels');
  return {
    name: 'funnel',
    usesDatabase: true,
    metrics: [M.funnelSessions, M.conversionRatio],
    async collect({ db }) {
      const secs = WINDOWS.map((w) => WINDOW_SECONDS[w]);
      const rows = await db.query(FUNNEL_SQL, [WINDOWS, secs, Math.max(...secs)]);
      // window → channel → counts; every window and channel starts at zero so all series exist.
      const acc = new Map<string, Map<string, StepCounts>>();
      for (const w of WINDOWS) acc.set(w, new Map([...channels, OTHER].map((c) => [c, zero()])));
      for (const r of rows) {
        const byChannel = acc.get(String(r.window))!;
        // A window with no session yields one row with a NULL channel and zero counts.
        const counts = byChannel.get(fold(r.channel, channels))!;
        for (const k of Object.keys(counts) as (keyof StepCounts)[]) counts[k] += Number(r[k]);
      }
      const out: Sample[] = [];
      for (const [window, byChannel] of acc) {
        const total = zero();
        for (const [channel, c] of byChannel) {
          for (const k of Object.keys(total) as (keyof StepCounts)[]) total[k] += c[k];
          out.push({ metric: M.conversionRatio, labels: { window, channel }, value: c.visit > 0 ? c.ordered / c.visit : 0 });
        }
        for (const step of FUNNEL_STEPS) out.push({ metric: M.funnelSessions, labels: { step, window }, value: total[step] });
      }
      return out;
    },
  };
};
