/**
 * Shared panel defaults: every dashboard describes its panels as small specs and this module turns
 * them into grafana-foundation-sdk builders, so datasource, variables, links, thresholds and layout
 * are the same everywhere.
 */
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as gauge from '@grafana/grafana-foundation-sdk/gauge';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { M } from '../shared/catalogue';
import { DATASOURCES } from '../shared/conventions';

export const PROMETHEUS: common.DataSourceRef = { type: 'prometheus', uid: DATASOURCES.prometheus.uid };

/** Tag shared by every dashboard: the "Marketplace Pulse" links dropdown lists dashboards by it. */
export const PRODUCT_TAG = 'marketplace-pulse';

export interface Query {
  expr: string;
  legend?: string;
  /** Evaluated once at the end of the range (stats, tables); range queries otherwise. */
  instant?: boolean;
}

export type Threshold = { value: number | null; color: string };

export interface PanelSpec {
  kind: 'stat' | 'timeseries' | 'gauge' | 'table' | 'bargauge';
  title: string;
  /** What the number means and how it is computed. */
  description: string;
  /** Grafana unit id: percentunit, s, short, reqps, dateTimeFromNow, … */
  unit: string;
  thresholds: Threshold[];
  queries: Query[];
  /** Grid width (of 24) and height; defaults per kind. */
  w?: number;
  h?: number;
  min?: number;
  max?: number;
  decimals?: number;
  /** Time series: stack the series (shares of a whole, e.g. sessions by platform). */
  stacked?: boolean;
}

export interface Section {
  title: string;
  panels: PanelSpec[];
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  sections: Section[];
  /** Default time range (now-<from> to now). */
  from?: string;
  /** Printable dashboards: no refresh, fixed width-friendly layout. */
  refresh?: string;
}

// --- thresholds: every colour change comes from a benchmark constant passed in by the caller ---

/** Higher is better: red below `target`, green from it (e.g. uptime ≥ 99.5 %). */
export function atLeast(target: number, warnFrom?: number): Threshold[] {
  const steps: Threshold[] = [{ value: null, color: 'red' }];
  if (warnFrom !== undefined) steps.push({ value: warnFrom, color: 'orange' });
  steps.push({ value: target, color: 'green' });
  return steps;
}

/** Lower is better: green below `limit`, red from it (e.g. error rate < 1 %). */
export function below(limit: number, warnFrom?: number): Threshold[] {
  const steps: Threshold[] = [{ value: null, color: 'green' }];
  if (warnFrom !== undefined) steps.push({ value: warnFrom, color: 'orange' });
  steps.push({ value: limit, color: 'red' });
  return steps;
}

/** Inside a band is ideal (e.g. credit consumption 60–80 %). */
export function band(low: number, high: number): Threshold[] {
  return [
    { value: null, color: 'orange' },
    { value: low, color: 'green' },
    { value: high, color: 'orange' },
  ];
}

/** Volumes with no benchmark: one neutral colour, so nothing turns red without a reason. */
export function informational(): Threshold[] {
  return [{ value: null, color: 'blue' }];
}

/** Any non-zero value needs attention (open incidents, reconciliation mismatches). */
export function zeroIsOk(): Threshold[] {
  return [
    { value: null, color: 'green' },
    { value: 1, color: 'red' },
  ];
}

// --- builders ---

function target(q: Query, i: number): prometheus.DataqueryBuilder {
  const b = new prometheus.DataqueryBuilder()
    .datasource(PROMETHEUS)
    .refId(String.fromCharCode(65 + i))
    .expr(q.expr)
    .legendFormat(q.legend ?? '__auto');
  return q.instant ? b.instant() : b.range();
}

function thresholdsOf(steps: Threshold[]): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps as dashboard.Threshold[]);
}

const DEFAULT_SIZE: Record<PanelSpec['kind'], [number, number]> = {
  stat: [6, 4],
  gauge: [6, 6],
  timeseries: [12, 8],
  table: [12, 8],
  bargauge: [12, 8],
};

type AnyPanelBuilder = stat.PanelBuilder | timeseries.PanelBuilder | gauge.PanelBuilder | table.PanelBuilder | bargauge.PanelBuilder;

export function panel(spec: PanelSpec): AnyPanelBuilder {
  const [w, h] = DEFAULT_SIZE[spec.kind];
  let b: AnyPanelBuilder;
  switch (spec.kind) {
    case 'stat':
      b = new stat.PanelBuilder()
        .graphMode(common.BigValueGraphMode.Area)
        .colorMode(common.BigValueColorMode.Value)
        .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']));
      break;
    case 'gauge':
      b = new gauge.PanelBuilder().reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']));
      break;
    case 'bargauge':
      b = new bargauge.PanelBuilder()
        .orientation(common.VizOrientation.Horizontal)
        .displayMode(common.BarGaugeDisplayMode.Gradient)
        .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']));
      break;
    case 'table':
      b = new table.PanelBuilder();
      break;
    case 'timeseries': {
      const ts = new timeseries.PanelBuilder()
        .fillOpacity(10)
        .legend(new common.VizLegendOptionsBuilder().displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom).showLegend(true))
        .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
      if (spec.stacked) ts.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
      b = ts;
      break;
    }
  }
  b.title(spec.title)
    .description(spec.description)
    .datasource(PROMETHEUS)
    .unit(spec.unit)
    .thresholds(thresholdsOf(spec.thresholds))
    .span(spec.w ?? w)
    .height(spec.h ?? h)
    .targets(spec.queries.map(target));
  if (spec.min !== undefined) b.min(spec.min);
  if (spec.max !== undefined) b.max(spec.max);
  if (spec.decimals !== undefined) b.decimals(spec.decimals);
  return b;
}

// --- variables: currency, provider, platform; All = `.*` so queries use `=~"$var"` ---

function labelVariable(name: string, label: string, metric: string, labelName: string): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .datasource(PROMETHEUS)
    .query(`label_values(${metric}, ${labelName})`)
    .definition(`label_values(${metric}, ${labelName})`)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ selected: true, text: ['All'], value: ['$__all'] });
}

export function variables(): dashboard.QueryVariableBuilder[] {
  return [
    labelVariable('currency', 'Currency', M.ordersTotal.name, 'currency'),
    labelVariable('provider', 'Payment provider', M.paymentsTotal.name, 'provider'),
    labelVariable('platform', 'Platform', M.sessionsTotal.name, 'platform'),
  ];
}

export function dashboardUrl(uid: string): string {
  return `/d/${uid}`;
}

export function build(spec: DashboardSpec, related: { title: string; uid: string }[] = []): dashboard.Dashboard {
  const d = new dashboard.DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags([PRODUCT_TAG, ...spec.tags])
    .editable()
    .timezone('utc')
    .time({ from: `now-${spec.from ?? '24h'}`, to: 'now' })
    .refresh(spec.refresh ?? '1m')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .variables(variables())
    .link(
      new dashboard.DashboardLinkBuilder('Marketplace Pulse')
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags([PRODUCT_TAG])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true),
    );
  for (const r of related) {
    d.link(new dashboard.DashboardLinkBuilder(r.title).type(dashboard.DashboardLinkType.Link).url(dashboardUrl(r.uid)).includeVars(true).keepTime(true));
  }
  for (const section of spec.sections) {
    d.withRow(new dashboard.RowBuilder(section.title));
    for (const p of section.panels) d.withPanel(panel(p));
  }
  return d.build();
}
