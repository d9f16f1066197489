/**
 * The daemon's command line, apart from main.ts (which starts the process on import) so that
 * deployment manifests and their tests read the real option set.
 */
import { parseArgs } from 'node:util';

export const CLI_OPTIONS = {
  config: { type: 'string' },
  'check-config': { type: 'string' },
  'web.config.file': { type: 'string' },
  'web.enable-lifecycle': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Environment variable naming the config file when `--config` is not given. */
export const CONFIG_FILE_ENV = 'PULSE_CONFIG';

export function parseCli(args?: string[]) {
  return parseArgs({ options: CLI_OPTIONS, ...(args ? { args } : {}) });
}
