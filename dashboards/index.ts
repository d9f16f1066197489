/**
 * Every dashboard, with the Grafana folder it is provisioned into. Links between dashboards: each one
 * gets the product dropdown (by tag) plus direct links to its closest neighbours listed here.
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { build, type DashboardSpec } from './common';
import { executive } from './executive';
import { exporterHealth } from './exporter-health';
import { monthlyReport } from './monthly-report';
import { orders } from './orders';
import { reliability } from './reliability';
import { satisfaction } from './satisfaction';
import { security } from './security';
import { sellerLeaderboard } from './seller-leaderboard';
import { sellers } from './sellers';
import { users } from './users';

export type Folder = 'Business' | 'Operations';

export interface DashboardEntry {
  /** File name (without .json) under provisioning/grafana/dashboards/<folder>/. */
  file: string;
  folder: Folder;
  spec: DashboardSpec;
  related: { title: string; uid: string }[];
}

export const DASHBOARDS: DashboardEntry[] = [
  { file: 'executive-overview', folder: 'Business', spec: executive, related: [orders, users, reliability, monthlyReport] },
  { file: 'user-activity', folder: 'Business', spec: users, related: [executive, orders] },
  { file: 'orders-payments', folder: 'Business', spec: orders, related: [executive, sellers, reliability] },
  { file: 'sellers', folder: 'Business', spec: sellers, related: [executive, orders, sellerLeaderboard] },
  { file: 'customer-satisfaction', folder: 'Business', spec: satisfaction, related: [executive, reliability] },
  { file: 'monthly-report', folder: 'Business', spec: monthlyReport, related: [executive] },
  { file: 'reliability-slos', folder: 'Operations', spec: reliability, related: [executive, exporterHealth, security] },
  { file: 'security', folder: 'Operations', spec: security, related: [reliability] },
  { file: 'exporter-health', folder: 'Operations', spec: exporterHealth, related: [reliability] },
];

export function buildDashboard(entry: DashboardEntry): Dashboard {
  return build(
    entry.spec,
    entry.related.map((r) => ({ title: r.title.replace('Marketplace Pulse / ', ''), uid: r.uid })),
  );
}
