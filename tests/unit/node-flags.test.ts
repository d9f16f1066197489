/**
 * The exporter runs with the same node flags (the V8 heap settings of exporter/src/cli.ts) wherever it
 * runs: the npm scripts, the image's ENTRYPOINT (docker compose builds that image), the generated
 * Kubernetes Deployment and the local stack (`npm run stack`).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { COMPILED_ENTRY, NODE_FLAGS } from '../../exporter/src/cli';
import { stackExporterCommand } from '../../scripts/stack/exporter-command';
import { ROOT } from '../../shared/generated';

const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

test('the heap settings are flags V8 knows and give the old space more room than the young one', () => {
  expect(NODE_FLAGS.length).toBeGreaterThan(0);
  for (const flag of NODE_FLAGS) expect(process.allowedNodeEnvironmentFlags.has(flag.split('=')[0]!)).toBe(true);
  const mib = (name: string) => Number(NODE_FLAGS.find((f) => f.startsWith(`${name}=`))?.split('=')[1]);
  expect(mib('--max-old-space-size')).toBeGreaterThan(16 * mib('--max-semi-space-size'));
});

test('npm start, start:dist and start:tsx run node with the flags', () => {
  const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
  const node = `node ${NODE_FLAGS.join(' ')} `;
  expect(scripts.start).toContain(`exec ${node}${COMPILED_ENTRY}`);
  expect(scripts['start:dist']).toBe(`${node}${COMPILED_ENTRY}`);
  expect(scripts['start:tsx']).toBe(`${node}--import tsx exporter/src/main.ts`);
});

test("the image's entry point has the flags, and compose runs the image's entry point", () => {
  const entry = /^ENTRYPOINT (.+)$/m.exec(read('Dockerfile'))?.[1];
  expect(JSON.parse(entry!)).toEqual(['node', ...NODE_FLAGS, COMPILED_ENTRY]);
  const compose = YAML.parse(read('docker-compose.yml')) as { services: Record<string, Record<string, unknown>> };
  const exporter = compose.services.exporter!;
  expect(exporter.build).toBeDefined();
  expect(exporter.entrypoint).toBeUndefined();
  expect(exporter.command).toBeUndefined();
});

test('the generated Kubernetes Deployment runs the same command', () => {
  const docs = YAML.parseAllDocuments(read('provisioning/kubernetes/base/deployment.yaml')).map((d) => d.toJS());
  const deployment = docs.find((d) => d?.kind === 'Deployment');
  const container = deployment.spec.template.spec.containers.find((c: { name: string }) => c.name === 'exporter');
  expect(container.command).toEqual(['node', ...NODE_FLAGS, COMPILED_ENTRY]);
});

test('the local stack starts its exporter as start:tsx does, flags included, from the repository root', () => {
  const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
  const cmd = stackExporterCommand();
  expect(cmd.bin).toBe(process.execPath);
  expect(['node', ...cmd.args].join(' ')).toBe(scripts['start:tsx']);
  expect(cmd.args.slice(0, NODE_FLAGS.length)).toEqual([...NODE_FLAGS]);
  // `--import tsx` and the relative entry resolve from the root, wherever the stack was started.
  expect(cmd.cwd).toBe(ROOT);
  // stack.ts runs on import, so its source is what shows it starts the exporter through this command.
  const stack = read('scripts/stack.ts');
  expect(stack).toMatch(/startChild\('exporter', cmd\.bin, cmd\.args, \{ cwd: cmd\.cwd/);
  expect(stack).not.toContain('tsx/cli');
});
