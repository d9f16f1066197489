/**
 * How the local stack starts the demo exporter: from its sources as `npm run start:tsx` does, with the
 * heap flags every other launcher uses (NODE_FLAGS; tests/unit/node-flags.test.ts keeps them equal), so
 * the stack's exporter holds its memory as the image and the Kubernetes pod do.
 */
import { NODE_FLAGS } from '../../exporter/src/cli';
import { ROOT } from '../../shared/generated';

/** Arguments after `node`; run from the repository root, where `--import tsx` resolves. */
export const STACK_EXPORTER_ARGS: readonly string[] = [...NODE_FLAGS, '--import', 'tsx', 'exporter/src/main.ts'];

export function stackExporterCommand(): { bin: string; args: string[]; cwd: string } {
  return { bin: process.execPath, args: [...STACK_EXPORTER_ARGS], cwd: ROOT };
}
