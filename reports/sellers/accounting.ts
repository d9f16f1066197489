/**
 * Accounting exports of a period, streamed: rows come from a server-side cursor in the read-only
 * transaction, a batch at a time, and go to the file with backpressure honoured, so memory is bounded
 * by the batch size whatever the row count.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import type { Db } from '../../exporter/src/runtime/db';
import type { Span } from '../periods';
import {
  SELLER_LIST_COLUMNS,
  TRANSACTION_LOG_COLUMNS,
  csvHeader,
  csvRow,
  type ColumnDef,
  type SellerListInput,
  type TransactionInput,
} from './columns';
import { readSellers, segmentOf, type SellerThresholds } from './data';
import { SELLER_EXPORT_SQL, TRANSACTION_LOG_SQL } from './queries';

export interface StreamStats {
  rows: number;
  batches: number;
  /** The most rows held in memory at once. */
  largestBatch: number;
}

function write(out: WriteStream, chunk: string): Promise<void> {
  return out.write(chunk)
    ? Promise.resolve()
    : new Promise((resolve, reject) => {
        const onError = (e: Error) => reject(e);
        out.once('error', onError);
        out.once('drain', () => {
          out.off('error', onError);
          resolve();
        });
      });
}

/** Streams a query through a cursor (DECLARE … FETCH n), calling `each` per batch. */
export async function streamQuery(
  db: Db,
  sql: string,
  params: readonly unknown[],
  fetchSize: number,
  each: (rows: Record<string, unknown>[], stats: StreamStats) => Promise<void>,
): Promise<StreamStats> {
  const stats: StreamStats = { rows: 0, batches: 0, largestBatch: 0 };
  await db.query(`DECLARE pulse_export NO SCROLL CURSOR FOR ${sql}`, params);
  for (;;) {
    const rows = await db.query(`FETCH FORWARD ${Math.max(1, Math.floor(fetchSize))} FROM pulse_export`);
    if (!rows.length) break;
    stats.rows += rows.length;
    stats.batches++;
    stats.largestBatch = Math.max(stats.largestBatch, rows.length);
    await each(rows, stats);
  }
  await db.query('CLOSE pulse_export');
  return stats;
}

export interface ExportOptions {
  pool: pg.Pool;
  timeoutSeconds: number;
  period: Span;
  file: string;
  /** Rows per FETCH: the memory bound. */
  fetchSize?: number;
  /** Called after each batch is written (the tests and the benchmark sample memory here). */
  onBatch?: (stats: StreamStats) => void;
}

async function exportCsv<T>(
  o: ExportOptions,
  columns: readonly ColumnDef<T>[],
  sql: string,
  toInput: (r: Record<string, unknown>) => T,
): Promise<StreamStats> {
  await mkdir(path.dirname(o.file), { recursive: true });
  const tmp = `${o.file}.${process.pid}.tmp`;
  const out = createWriteStream(tmp);
  try {
    await write(out, csvHeader(columns));
    const stats = await readSellers(o.pool, o.timeoutSeconds, (db) =>
      streamQuery(db, sql, [o.period.start.toISOString(), o.period.end.toISOString()], o.fetchSize ?? 5000, async (rows, running) => {
        let chunk = '';
        for (const r of rows) chunk += csvRow(columns, toInput(r));
        await write(out, chunk);
        o.onBatch?.(running);
      }),
    );
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    await rename(tmp, o.file);
    return stats;
  } catch (e) {
    out.destroy();
    throw e;
  }
}

const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string | Date));

/** Seller list CSV: every seller with its dates, credits, orders in the period, segment and status. */
export function exportSellerList(o: ExportOptions, thresholds: SellerThresholds): Promise<StreamStats> {
  return exportCsv<SellerListInput>(o, SELLER_LIST_COLUMNS, SELLER_EXPORT_SQL, (r) => {
    const base = {
      id: Number(r.id),
      appliedAt: date(r.applied_at)!,
      approvedAt: date(r.approved_at),
      churnedAt: date(r.churned_at),
      creditsTotal: Number(r.credits_total),
      creditsUsed: Number(r.credits_used),
      orders30d: Number(r.n30),
      orders90d: Number(r.n90),
    };
    const seller = { ...base, segment: segmentOf(base, o.period.end, thresholds) };
    const active =
      base.approvedAt !== null && base.approvedAt < o.period.end && (base.churnedAt === null || base.churnedAt >= o.period.end);
    return { seller, orders: Number(r.orders), active };
  });
}

/** Transaction log CSV: one line per payment status reached in the period. */
export function exportTransactionLog(o: ExportOptions): Promise<StreamStats> {
  return exportCsv<TransactionInput>(o, TRANSACTION_LOG_COLUMNS, TRANSACTION_LOG_SQL, (r) => ({
    payment_id: Number(r.payment_id),
    provider: String(r.provider),
    provider_ref: r.provider_ref === null ? null : String(r.provider_ref),
    status: String(r.status),
    status_at: date(r.status_at)!,
    amount: Number(r.amount),
    currency: String(r.currency),
    order_id: Number(r.order_id),
    seller_id: Number(r.seller_id),
  }));
}
