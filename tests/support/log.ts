/** A logger at info whose JSON lines are kept, for tests that assert what a user would read in the log. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../exporter/src/runtime/logger';

export function captureLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const dest = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  return { log: createLogger('info', dest), lines };
}
