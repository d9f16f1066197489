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
import type { LabelValues } from '../shared/catalogue/types';
import type { Team } from '../alerting/model';
import { DATASOURCES } from '../shared/conventions';

/** Dashboard variable holding the Prometheus-compatible datasource (Prometheus or VictoriaMetrics). */
export const DATASOURCE_VARIABLE = 'datasource';
/** Panels and queries point at the variable, so the JSON imports into any Grafana. */
export const PROMETHEUS: common.DataSourceRef = { type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` };

/**
 * The Grafana image pinned in docker-compose.yml and the dashboard schemaVersion it writes itself
 * (Grafana 11.5 exports 40; 11.6 moved to 41). Dashboards declare that version, so Grafana does not
 * migrate them on load; tests/unit/dashboards.test.ts reads the compose file to keep both in step.
 */
export const GRAFANA_IMAGE = { image: 'grafana/grafana-oss:11.5.1', schemaVersion: 40 } as const;

/** Tag shared by every dashboard: the "Marketplace Pulse" links dropdown lists dashboards by it. */
export const PRODUCT_TAG = 'marketplace-pulse';

export interface Query {
  expr: string;
  legend?: string;
  /** Evaluated once at the end of the range (stats, tables); range queries otherwise. */
  instant?: boolean;
}

/** Grafana's own currency units; other currencies fall back to the generic `currency:¤` unit. */
export const CURRENCY_UNITS: Record<string, string> = {
  USD: 'currencyUSD',
  EUR: 'currencyEUR',
  GBP: 'currencyGBP',
  JPY: 'currencyJPY',
  CHF: 'currencyCHF',
  SEK: 'currencySEK',
  NOK: 'currencyNOK',
  DKK: 'currencyDKK',
  PLN: 'currencyPLN',
  CZK: 'currencyCZK',
  BRL: 'currencyBRL',
  INR: 'currencyINR',
  ZAR: 'currencyZAR',
  KRW: 'currencyKRW',
  TRY: 'currencyTRY',
};
/** Unit of a money panel: per series the currency in its name (legend `{{currency}}`) overrides it. */
export const MONEY = 'currency:¤';

/** Table panels: how the instant query's table frame is shaped (Grafana transformations). */
export type TableShape =
  /** Label columns as they are, `Value` renamed, the Time column hidden. */
  | { kind: 'columns'; value: string; rename?: Record<string, string>; hide?: string[] }
  /** A matrix: one row per `row` label value, one column per `column` label value. */
  | { kind: 'matrix'; row: string; column: string; rowTitle: string };

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
  /** Table panels only (required there): the table shape. */
  table?: TableShape;
  /** Display text for special values, e.g. -1 = "never" in the data-age panel. */
  valueText?: Record<string, { text: string; color: string }>;
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
  /** Business dashboards: firing alerts of these teams are drawn as annotations. */
  alertTeams?: Team[];
}

/**
 * One instant query per value of an ordered label (windows 1d/7d/30d, funnel steps, retention days),
 * in the catalogue's order: bar gauges draw queries in order, while one query by label comes back
 * sorted by label value (1d, 30d, 7d; add_to_cart before visit).
 */
export function ordered(
  metric: { name: string; labels: Readonly<Record<string, LabelValues>> },
  label: string,
  expr: (value: string) => string,
  legend: (value: string) => string = (v) => v,
): Query[] {
  const values = metric.labels[label];
  if (values?.kind !== 'fixed') throw new Error(`${metric.name}: label "${label}" has no fixed value list to order by`);
  return values.values.map((v) => ({ expr: expr(v), legend: legend(v), instant: true }));
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

function target(q: Query, i: number, asTable: boolean): prometheus.DataqueryBuilder {
  const b = new prometheus.DataqueryBuilder()
    .datasource(PROMETHEUS)
    .refId(String.fromCharCode(65 + i))
    .expr(q.expr)
    .legendFormat(q.legend ?? '__auto');
  // Tables show every series of an instant query as rows of one frame, not one series at a time.
  if (asTable) b.format(prometheus.PromQueryFormat.Table);
  return q.instant ? b.instant() : b.range();
}

function transformationsOf(shape: TableShape): dashboard.DataTransformerConfig[] {
  if (shape.kind === 'matrix') {
    return [
      { id: 'groupingToMatrix', options: { rowField: shape.row, columnField: shape.column, valueField: 'Value', emptyValue: 'null' } },
      { id: 'organize', options: { renameByName: { [`${shape.row}\\${shape.column}`]: shape.rowTitle } } },
    ];
  }
  const excludeByName = Object.fromEntries(['Time', ...(shape.hide ?? [])].map((c) => [c, true]));
  return [{ id: 'organize', options: { excludeByName, renameByName: { ...shape.rename, Value: shape.value } } }];
}

/** One override per known currency: a series (or matrix column) named after it gets its unit. */
function currencyOverrides(b: AnyPanelBuilder): void {
  for (const [code, unit] of Object.entries(CURRENCY_UNITS)) b.overrideByRegexp(`^(.* )?${code}( .*)?$`, [{ id: 'unit', value: unit }]);
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
        .legend(
          new common.VizLegendOptionsBuilder()
            .displayMode(common.LegendDisplayMode.List)
            .placement(common.LegendPlacement.Bottom)
            .showLegend(true),
        )
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
    .targets(spec.queries.map((q, i) => target(q, i, spec.kind === 'table')));
  if (spec.kind === 'table') {
    if (!spec.table || spec.queries.some((q) => !q.instant))
      throw new Error(`table panel "${spec.title}": needs instant queries and a table shape`);
    (b as table.PanelBuilder).transformations(transformationsOf(spec.table));
  }
  if (spec.unit === MONEY) currencyOverrides(b);
  if (spec.valueText) {
    b.mappings([
      {
        type: dashboard.MappingType.ValueToText,
        options: Object.fromEntries(Object.entries(spec.valueText).map(([v, r], i) => [v, { ...r, index: i }])),
      },
    ]);
  }
  if (spec.min !== undefined) b.min(spec.min);
  if (spec.max !== undefined) b.max(spec.max);
  if (spec.decimals !== undefined) b.decimals(spec.decimals);
  return b;
}

// --- variables: currency, provider, platform; All = `.*` so queries use `=~"$var"` ---

function datasourceVariable(): dashboard.DatasourceVariableBuilder {
  return new dashboard.DatasourceVariableBuilder(DATASOURCE_VARIABLE)
    .label('Data source')
    .type('prometheus')
    .current({ selected: true, text: DATASOURCES.prometheus.name, value: DATASOURCES.prometheus.uid });
}

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

export function variables(): (dashboard.QueryVariableBuilder | dashboard.DatasourceVariableBuilder)[] {
  return [
    datasourceVariable(),
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
    d.link(
      new dashboard.DashboardLinkBuilder(r.title)
        .type(dashboard.DashboardLinkType.Link)
        .url(dashboardUrl(r.uid))
        .includeVars(true)
        .keepTime(true),
    );
  }
  if (spec.alertTeams?.length) d.annotation(alertAnnotation(spec.alertTeams));
  for (const section of spec.sections) {
    d.withRow(new dashboard.RowBuilder(section.title));
    for (const p of section.panels) d.withPanel(panel(p));
  }
  const out = d.build();
  // The SDK writes its own latest schemaVersion; declare the pinned Grafana's instead.
  out.schemaVersion = GRAFANA_IMAGE.schemaVersion;
  return out;
}

/** Prometheus' ALERTS series of firing alerts, one annotation per alert while it fires. */
export function alertAnnotation(teams: Team[]): dashboard.AnnotationQueryBuilder {
  return new dashboard.AnnotationQueryBuilder()
    .name('Firing alerts')
    .datasource(PROMETHEUS)
    .enable(true)
    .iconColor('red')
    .expr(`ALERTS{alertstate="firing", team=~"${teams.join('|')}"}`)
    .step('60s')
    .titleFormat('{{alertname}}')
    .textFormat('{{severity}} · team {{team}}')
    .tagKeys('alertname,severity,team')
    .useValueForTime(false);
}
