/**
 * Child of bench/seller-reports.ts: exports the transaction log of every payment in a database (a
 * span covering all of it) and prints the row count and the RSS sampled at fractions of the rows.
 */
import { exportTransactionLog } from '../../reports/sellers/accounting';
import { reportsPool } from '../../reports/sellers/data';

async function main(): Promise<void> {
  const [url, file] = process.argv.slice(2);
  if (!url || !file) throw new Error('usage: transaction-log-child.ts <database url> <output file>');
  const pool = reportsPool({ url, timeout: 1800, application_name: 'marketplace-pulse-bench' });
  const total = Number((await pool.query('SELECT count(*) AS n FROM payments')).rows[0].n);
  const marks = [0.1, 0.25, 0.5, 0.75];
  const rssMiBAt: number[] = [];
  try {
    const stats = await exportTransactionLog({
      pool,
      timeoutSeconds: 1800,
      period: { start: new Date('1970-01-01T00:00:00Z'), end: new Date('2100-01-01T00:00:00Z') },
      file,
      onBatch: (s) => {
        // Estimated against the payment count; each payment yields one line per status reached.
        while (marks.length && s.rows >= marks[0]! * total) {
          marks.shift();
          rssMiBAt.push(Math.round(process.memoryUsage().rss / 1048576));
        }
      },
    });
    rssMiBAt.push(Math.round(process.memoryUsage().rss / 1048576));
    process.stdout.write(
      `${JSON.stringify({ payments: total, rows: stats.rows, batches: stats.batches, largestBatch: stats.largestBatch, rssMiBAt })}\n`,
    );
  } finally {
    await pool.end();
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
});
