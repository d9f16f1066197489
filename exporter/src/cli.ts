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

/**
 * Node flags the exporter runs with: `npm start`, the image's ENTRYPOINT and the Kubernetes manifests
 * (a unit test keeps them equal). On a large host V8 otherwise lets garbage pile up far past the live
 * data; a small young generation and an old-space cap make it collect near the live heap (≈ 20 MiB
 * steady at 10M orders; the window state itself lives in typed arrays outside the heap). The cap
 * leaves room for the largest transient, a window state file being written. README, Performance.
 */
export const NODE_FLAGS = ['--max-semi-space-size=4', '--max-old-space-size=512'] as const;

/** The compiled entry point, as the image and the manifests run it. */
export const COMPILED_ENTRY = 'dist/exporter/src/main.js';

/** Environment variable naming the config file when `--config` is not given. */
export const CONFIG_FILE_ENV = 'PULSE_CONFIG';

export function parseCli(args?: string[]) {
  return parseArgs({ options: CLI_OPTIONS, ...(args ? { args } : {}) });
}
