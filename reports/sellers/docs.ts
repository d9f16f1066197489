/** Renders docs/SELLER-REPORTS.md, the column reference of the seller reports, from columns.ts. */
import { generatedHeader, type GeneratedFile } from '../../shared/generated';
import { SCORECARD_COLUMNS, SELLER_LIST_COLUMNS, TRANSACTION_LOG_COLUMNS, type ColumnDef } from './columns';

function table<T>(cols: readonly ColumnDef<T>[]): string[] {
  return [
    '| column | unit | definition |',
    '|---|---|---|',
    ...cols.map((c) => `| \`${c.key}\` | ${c.unit} | ${c.definition.replace(/\|/g, '\\|')} |`),
    '',
  ];
}

export function sellerReportsDoc(): GeneratedFile {
  const lines = [
    generatedHeader('<!--', 'reports/sellers/columns.ts').trimEnd(),
    '# Seller reports — column reference',
    '',
    'Computed from the marketplace database (read-only role, one read-only REPEATABLE READ transaction, one grouped',
    "query per measure). Periods are calendar months in the reports' time zone, half-open: from the first local",
    "midnight of the month (included) to the first of the next (excluded). Money is in major units of the row's",
    'currency; ratios are 0..1. An empty cell means "no data" (no denominator), never 0.',
    '',
    '## Scorecard — `sellers-YYYY-MM.csv`',
    '',
    'One row per seller and currency, sorted by seller id then currency. Listed: sellers approved before the period',
    'end and not churned before its start, plus any seller with activity in the period.',
    '',
    ...table(SCORECARD_COLUMNS),
    '## Accounting seller list — `seller-list-YYYY-MM.csv`',
    '',
    'Every seller in the contract, sorted by id.',
    '',
    ...table(SELLER_LIST_COLUMNS),
    '## Accounting transaction log — `transactions-YYYY-MM.csv`',
    '',
    'One line per payment status reached in the period, sorted by that instant.',
    '',
    ...table(TRANSACTION_LOG_COLUMNS),
  ];
  return { path: 'docs/SELLER-REPORTS.md', content: lines.join('\n') };
}
