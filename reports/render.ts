/**
 * Builds one period's report end to end: query Prometheus, render the PDF (monthly) or the summary
 * (daily/weekly), export CSVs, and write everything to <output_dir>/<type>/<key>/.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ReportsConfig } from './config';
import { dailyCsv, summaryCsv } from './csv';
import { writeAtomic } from './files';
import { buildBreakdowns, buildKpis } from './kpis';
import { periodFor, type Period } from './periods';
import { renderMonthlyPdf } from './pdf/monthly';
import type { PrometheusClient } from './prometheus-client';
import { fetchReportData, type ReportData } from './report-data';
import { renderSummary, type SummaryContent } from './summary';
import { readSellers, reportsPool } from './sellers/data';
import { fetchSellerLists, type SellerLists } from './sellers/management';
import { thresholdsOf } from './sellers/run';

export interface ReportFile {
  filename: string;
  path: string;
  contentType: string;
}

export interface RenderedReport {
  period: Period;
  data: ReportData;
  email: SummaryContent;
  files: ReportFile[];
}

export async function renderReport(
  prom: PrometheusClient,
  config: Pick<ReportsConfig, 'grafana' | 'output_dir' | 'headline_currency'> &
    Partial<Pick<ReportsConfig, 'database' | 'sellers' | 'settle_lag'>>,
  period: Period,
  opts: { now?: Date } = {},
): Promise<RenderedReport> {
  const data = await fetchReportData(prom, period, buildKpis({ currency: config.headline_currency }), buildBreakdowns(), {
    now: opts.now,
    settleLagSeconds: config.settle_lag ?? 0,
  });
  // Named sellers come from the database, only when the reports are given access to it.
  const sellers =
    config.database && config.sellers ? await sellerListsFor(config.database, config.sellers, period, config.headline_currency) : undefined;
  const dir = path.resolve(config.output_dir, period.type, period.key);
  await mkdir(dir, { recursive: true });
  const stem = `marketplace-${period.type}-${period.key}`;
  const files: ReportFile[] = [];
  const add = async (filename: string, content: string | Buffer, contentType: string) => {
    const p = path.join(dir, filename);
    await writeAtomic(p, content);
    files.push({ filename, path: p, contentType });
  };

  const previousLabel =
    period.type === 'monthly' ? periodFor('monthly', monthKey(period.previous.start, period.timeZone), period.timeZone).label : '';
  if (period.type === 'monthly') {
    await add(`${stem}.pdf`, await renderMonthlyPdf(data, { grafanaUrl: config.grafana.url, previousLabel, sellers }), 'application/pdf');
  }
  const email = renderSummary(
    data,
    config.grafana.url,
    period.type === 'monthly' ? { intro: `The full report for ${period.label} is attached as a PDF.` } : { sellers },
  );
  if (period.type !== 'monthly') {
    await add(`${stem}.html`, email.html, 'text/html');
    await add(`${stem}.txt`, email.text, 'text/plain');
  }
  await add(`${stem}-daily.csv`, dailyCsv(data), 'text/csv');
  await add(`${stem}-summary.csv`, summaryCsv(data), 'text/csv');
  return { period, data, email, files };
}

function monthKey(at: Date, tz: string): string {
  const p = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit' }).formatToParts(at);
  const get = (t: string) => p.find((x) => x.type === t)!.value;
  return `${get('year')}-${get('month')}`;
}

async function sellerListsFor(
  database: NonNullable<ReportsConfig['database']>,
  sellers: ReportsConfig['sellers'],
  period: Period,
  headlineCurrency: string,
): Promise<SellerLists> {
  const pool = reportsPool(database);
  try {
    return await readSellers(pool, database.timeout, (db) => fetchSellerLists(db, period, thresholdsOf({ sellers }), headlineCurrency));
  } finally {
    await pool.end();
  }
}
