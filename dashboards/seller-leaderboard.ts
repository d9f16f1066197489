/**
 * Seller leaderboard: which sellers, by id — top sellers, at-risk (refund/return rate), dormant and low
 * on credit. Per-seller figures never enter Prometheus (cardinality), so these tables read the
 * marketplace database through the provisioned read-only PostgreSQL datasource.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as table from '@grafana/grafana-foundation-sdk/table';
import { DASHBOARD_UIDS, DATASOURCES } from '../shared/conventions';
import { dashboardUrl, GRAFANA_IMAGE, PRODUCT_TAG } from './common';
import { AT_RISK_SQL, DORMANT_SQL, LEADERBOARD, LOW_CREDIT_SQL, TOP_SELLERS_SQL } from './queries/seller-leaderboard';

export const POSTGRES: common.DataSourceRef = { type: 'grafana-postgresql-datasource', uid: DATASOURCES.postgres.uid };

export const sellerLeaderboard = { uid: DASHBOARD_UIDS.sellerLeaderboard, title: 'Marketplace Pulse / Seller leaderboard' } as const;

/** The SDK has no PostgreSQL query builder: a table-format raw SQL target, as Grafana stores it. */
class SqlTarget implements cog.Builder<cog.Dataquery> {
  constructor(
    private readonly refId: string,
    private readonly rawSql: string,
  ) {}

  build(): cog.Dataquery {
    const q = { refId: this.refId, datasource: POSTGRES, rawSql: this.rawSql.trim(), format: 'table', rawQuery: true, editorMode: 'code' };
    return { ...q, _implementsDataqueryVariant: () => undefined } as cog.Dataquery;
  }
}

interface TableSpec {
  title: string;
  description: string;
  sql: string;
  /** Column name -> Grafana unit. */
  units?: Record<string, string>;
  w?: number;
}

export const LEADERBOARD_PANELS: readonly TableSpec[] = [
  {
    title: 'Top sellers by GMV',
    description: `The ${LEADERBOARD.limit} seller/currency pairs with the highest GMV (sum of order totals, major units) for orders placed in the selected range; amounts are never added across currencies.`,
    sql: TOP_SELLERS_SQL,
  },
  {
    title: 'At-risk sellers (refunds and returns)',
    description: `Sellers with at least ${LEADERBOARD.atRiskMinOrders} orders placed in the range of which ${LEADERBOARD.atRiskRate * 100} % or more got a refund (on any of their payments) or a return recorded in the range. Worst first.`,
    sql: AT_RISK_SQL,
    units: { 'Refund rate': 'percentunit', 'Return rate': 'percentunit' },
  },
  {
    title: 'Dormant sellers',
    description: `Live sellers (approved, not churned at the range end) with no order in the ${LEADERBOARD.dormantDays} days before the range end; never-sold and longest-silent first.`,
    sql: DORMANT_SQL,
    units: { Approved: 'dateTimeAsIso', 'Last order': 'dateTimeAsIso' },
  },
  {
    title: 'Sellers low on credit',
    description: `Live sellers with credits granted and less than ${LEADERBOARD.lowCreditRatio * 100} % of them left (current balances): candidates for a top-up.`,
    sql: LOW_CREDIT_SQL,
    units: { 'Share left': 'percentunit' },
  },
];

function tablePanel(spec: TableSpec, i: number): table.PanelBuilder {
  const p = new table.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(POSTGRES)
    .span(spec.w ?? 12)
    .height(10)
    .targets([new SqlTarget(String.fromCharCode(65 + i), spec.sql)]);
  for (const [column, unit] of Object.entries(spec.units ?? {})) {
    p.withOverride({ matcher: { id: 'byName', options: column }, properties: [{ id: 'unit', value: unit }] });
  }
  return p;
}

export function buildSellerLeaderboard(): dashboard.Dashboard {
  const d = new dashboard.DashboardBuilder(sellerLeaderboard.title)
    .uid(sellerLeaderboard.uid)
    .description('Per-seller tables from the marketplace database (read-only): top sellers, at-risk, dormant and low-credit sellers.')
    .tags([PRODUCT_TAG, 'business', 'sellers'])
    .editable()
    .timezone('utc')
    .time({ from: 'now-30d', to: 'now' })
    .refresh('5m')
    .link(
      new dashboard.DashboardLinkBuilder('Marketplace Pulse')
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags([PRODUCT_TAG])
        .asDropdown(true)
        .keepTime(true),
    )
    .link(
      new dashboard.DashboardLinkBuilder('Sellers')
        .type(dashboard.DashboardLinkType.Link)
        .url(dashboardUrl(DASHBOARD_UIDS.sellers))
        .keepTime(true),
    );
  LEADERBOARD_PANELS.forEach((spec, i) => {
    d.withPanel(tablePanel(spec, i));
  });
  const out = d.build();
  // As every dashboard: the schemaVersion of the pinned Grafana, not the SDK's latest.
  out.schemaVersion = GRAFANA_IMAGE.schemaVersion;
  return out;
}
