/**
 * `npm run report -- --type sellers --period 2026-10 --out DIR`: the scorecard CSV
 * (DIR/sellers-2026-10.csv) and one PDF per seller (DIR/sellers/<seller_id>.pdf);
 * `--type accounting` writes the seller list and the transaction log of the period.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import type { ReportsConfig } from '../config';
import { writeAtomic } from '../files';
import { monthlyPeriod } from '../periods';
import { exportSellerList, exportTransactionLog } from './accounting';
import { fetchSellerPeriod, readSellers, type SellerThresholds } from './data';
import { indexScorecards, renderSellerPdf } from './pdf';
import { scorecardCsv } from './scorecard-csv';
import { fetchScorecardSet } from './scorecards';

export function thresholdsOf(config: Pick<ReportsConfig, 'sellers'>): SellerThresholds {
  const s = config.sellers;
  return {
    powerOrders: s.segment_power_orders,
    activeOrders: s.segment_active_orders,
    lowCreditRatio: s.low_credit_ratio,
    minOrders: s.min_orders,
  };
}

export interface SellerReportOptions {
  pool: pg.Pool;
  config: Pick<ReportsConfig, 'sellers' | 'time_zone'> & { database: { timeout: number } };
  periodKey: string;
  outDir: string;
}

/** Writes DIR/sellers-YYYY-MM.csv; returns its path. */
export async function writeScorecardCsv(o: SellerReportOptions): Promise<string> {
  const period = monthlyPeriod(o.periodKey, o.config.time_zone);
  const data = await readSellers(o.pool, o.config.database.timeout, (db) => fetchSellerPeriod(db, period, thresholdsOf(o.config)));
  await mkdir(o.outDir, { recursive: true });
  const file = path.join(path.resolve(o.outDir), `sellers-${period.key}.csv`);
  await writeAtomic(file, scorecardCsv(data));
  return file;
}

/** Writes DIR/seller-list-YYYY-MM.csv and DIR/transactions-YYYY-MM.csv, streamed. */
export async function writeAccountingExports(o: SellerReportOptions): Promise<string[]> {
  const period = monthlyPeriod(o.periodKey, o.config.time_zone);
  const dir = path.resolve(o.outDir);
  const sellers = path.join(dir, `seller-list-${period.key}.csv`);
  const transactions = path.join(dir, `transactions-${period.key}.csv`);
  const base = { pool: o.pool, timeoutSeconds: o.config.database.timeout, period };
  await exportSellerList({ ...base, file: sellers }, thresholdsOf(o.config));
  await exportTransactionLog({ ...base, file: transactions });
  return [sellers, transactions];
}

/**
 * The CSV and every seller's PDF (DIR/sellers/<seller_id>.pdf) from one database snapshot; PDFs are
 * rendered one at a time from the bulk data, so memory stays that of one document.
 */
export async function writeScorecards(
  o: SellerReportOptions,
  onPdf?: (sellerId: number) => void,
): Promise<{ csv: string; pdfs: Map<number, string> }> {
  const set = await readSellers(o.pool, o.config.database.timeout, (db) =>
    fetchScorecardSet(db, o.periodKey, o.config.time_zone, thresholdsOf(o.config)),
  );
  const dir = path.resolve(o.outDir);
  await mkdir(path.join(dir, 'sellers'), { recursive: true });
  const csv = path.join(dir, `sellers-${set.period.key}.csv`);
  await writeAtomic(csv, scorecardCsv(set.current));
  const index = indexScorecards(set);
  const pdfs = new Map<number, string>();
  for (const id of set.current.sellers.keys()) {
    const file = path.join(dir, 'sellers', `${id}.pdf`);
    await writeAtomic(file, await renderSellerPdf(set, index, id));
    pdfs.set(id, file);
    onPdf?.(id);
  }
  return { csv, pdfs };
}
