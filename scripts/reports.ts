/** `npm run reports -- --config reports/config.yml`: the scheduled report daemon (reports/daemon.ts). */
import { main } from '../reports/daemon';

main(process.argv.slice(2)).catch((e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
});
