/** The scorecard CSV: one row per seller and currency, columns as SCORECARD_COLUMNS. */
import { SCORECARD_COLUMNS, csvHeader, csvRow } from './columns';
import type { SellerPeriodData } from './data';

export function scorecardCsv(data: SellerPeriodData): string {
  let out = csvHeader(SCORECARD_COLUMNS);
  for (const row of data.rows) out += csvRow(SCORECARD_COLUMNS, { row, seller: data.sellers.get(row.sellerId)! });
  return out;
}
