/**
 * `npm run generate`: writes every generated file (METRICS.md, provisioning/…) from the TypeScript
 * sources. `--check` compares instead of writing and exits 1 on drift (the same check the tests run).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { driftOf, ROOT, type GeneratedFile } from '../shared/generated';
import { metricsDoc } from '../exporter/src/docs/metrics-doc';
import { provisioningFiles } from '../dashboards/generate';
import { alertingFiles } from '../alerting/generate';
import { kubernetesFiles } from '../dashboards/provisioning/kubernetes';
import { sellerReportsDoc } from '../reports/sellers/docs';

export function allGeneratedFiles(): GeneratedFile[] {
  return [
    metricsDoc(),
    ...provisioningFiles(),
    ...alertingFiles(),
    ...kubernetesFiles(),
    sellerReportsDoc(),
    // Each area adds its generator here.
  ];
}

function main(): void {
  const files = allGeneratedFiles();
  if (process.argv.includes('--check')) {
    const drifted = driftOf(files);
    if (drifted.length) {
      console.error(`generated files are out of date (run npm run generate):\n  ${drifted.join('\n  ')}`);
      process.exit(1);
    }
    console.log(`${files.length} generated files up to date`);
    return;
  }
  for (const f of files) {
    const p = path.join(ROOT, f.path);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, f.content);
  }
  console.log(`wrote ${files.length} files`);
}

if (require.main === module) main();
