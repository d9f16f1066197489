/** `npm run report -- --type monthly --period 2026-10`: render one period now (see reports/cli.ts). */
import { runCli } from '../reports/cli';

runCli(process.argv.slice(2)).catch((e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
});
