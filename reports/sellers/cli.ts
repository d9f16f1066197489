/**
 * Seller reports on demand, straight from the marketplace database:
 *   npm run report -- --type sellers --period 2026-10 --out DIR [--no-pdf] [--send]
 * --send mails each seller its own scorecard when the optional sellers.email column exists.
 *   npm run report -- --type accounting --period 2026-10 --out DIR
 * The database comes from the reports config (`database`), or --database-url / DATABASE_URL.
 */
import { createLogger } from '../../shared/logger';
import { loadReportsConfig, parseReportsConfig, type ReportsConfig } from '../config';
import { monthlyPeriod } from '../periods';
import { reportsPool } from './data';
import { deliverScorecards, sellerEmails } from './deliver';
import { writeAccountingExports, writeScorecardCsv, writeScorecards } from './run';

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

export function sellersConfig(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): ReportsConfig & { database: NonNullable<ReportsConfig['database']> } {
  const file = arg(argv, 'config') ?? env.REPORTS_CONFIG;
  const url = arg(argv, 'database-url') ?? env.DATABASE_URL;
  const config = file
    ? loadReportsConfig(file)
    : parseReportsConfig({
        prometheus: { url: arg(argv, 'prometheus') ?? 'http://127.0.0.1:9090' },
        grafana: { url: arg(argv, 'grafana') ?? 'http://127.0.0.1:3000' },
        ...(url ? { database: { url } } : {}),
      });
  const database =
    url && config.database
      ? { ...config.database, url }
      : url
        ? parseReportsConfig({ ...config, database: { url } }).database
        : config.database;
  if (!database)
    throw new Error(
      'seller reports need the marketplace database: set `database.url` in the reports config, --database-url or DATABASE_URL',
    );
  const out = arg(argv, 'out');
  return { ...config, database, ...(out ? { output_dir: out } : {}) };
}

export async function runSellersCli(argv: string[]): Promise<string[]> {
  const type = arg(argv, 'type');
  const periodKey = arg(argv, 'period');
  if (!periodKey)
    throw new Error(`usage: npm run report -- --type ${type} --period 2026-10 --out DIR [--config file] [--database-url url]`);
  const config = sellersConfig(argv);
  const pool = reportsPool(config.database);
  try {
    const o = { pool, config, periodKey, outDir: config.output_dir };
    let files: string[];
    if (type === 'accounting') files = await writeAccountingExports(o);
    else if (argv.includes('--no-pdf')) files = [await writeScorecardCsv(o)];
    else {
      const send = argv.includes('--send');
      if (send && !config.smtp) throw new Error('--send needs an smtp section in the reports config');
      const written = await writeScorecards(o);
      files = [written.csv, ...written.pdfs.values()];
      if (send) {
        const emails = await sellerEmails(pool, config.database.timeout);
        if (!emails)
          throw new Error('--send: the sellers table has no email column (optional in the data contract): scorecards written, none sent');
        const r = await deliverScorecards(config.smtp!, written.pdfs, emails, monthlyPeriod(periodKey, config.time_zone).label);
        createLogger(config.log_level).info(
          { report: type, period: periodKey, sent: r.sent, without_address: r.withoutAddress },
          'seller scorecards sent',
        );
      }
    }
    createLogger(config.log_level).info({ report: type, period: periodKey, files: files.length }, 'seller report written');
    return files;
  } finally {
    await pool.end();
  }
}
