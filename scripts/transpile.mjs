/**
 * `npm start`'s build step: transpiles exporter/src and shared/ into dist/ with esbuild when a source is
 * newer than the last transpile (about a second; a full `tsc` build takes a minute on a 2-core machine),
 * so the demo runs as plain JavaScript: about half the start-up time and memory of tsx (README,
 * Performance). No type check here: `npm test` and `npm run build` do that. Same layout as
 * `npm run build`, so `node dist/exporter/src/main.js` runs either output.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist');
const STAMP = path.join(OUT, '.transpiled');
const SOURCE_DIRS = ['exporter/src', 'shared'];
// Build and test time only (it needs a dev dependency), as in tsconfig.build.json.
const EXCLUDED = new Set(['shared/promql-check.ts']);
const ASSETS = ['exporter/src/db/schema.sql', 'package.json'];

const inputs = SOURCE_DIRS.flatMap((dir) =>
  readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name))),
).concat('package.json');
const newest = Math.max(...inputs.map((f) => statSync(path.join(ROOT, f)).mtimeMs));

if (!existsSync(STAMP) || statSync(STAMP).mtimeMs < newest) {
  const t0 = performance.now();
  // Start clean, so a deleted or renamed source leaves no module behind.
  for (const dir of ['exporter', 'shared']) rmSync(path.join(OUT, dir), { recursive: true, force: true });
  const entryPoints = inputs.filter((f) => f.endsWith('.ts') && !EXCLUDED.has(f)).map((f) => path.join(ROOT, f));
  await build({
    entryPoints,
    outdir: OUT,
    outbase: ROOT,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  });
  for (const f of ASSETS) {
    mkdirSync(path.dirname(path.join(OUT, f)), { recursive: true });
    copyFileSync(path.join(ROOT, f), path.join(OUT, f));
  }
  writeFileSync(STAMP, '');
  console.error(`transpiled ${entryPoints.length} files to dist/ in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
}
