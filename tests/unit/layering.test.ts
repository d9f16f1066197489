/** The one-way arrows of ARCHITECTURE.md that a stray import would break. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '../..');

/** Every relative import of every .ts file under `dir`, resolved to a path relative to the root. */
function importsUnder(dir: string): { file: string; target: string }[] {
  const out: { file: string; target: string }[] = [];
  for (const e of readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || !e.name.endsWith('.ts')) continue;
    const abs = path.join(e.parentPath, e.name);
    const text = readFileSync(abs, 'utf8');
    for (const m of text.matchAll(/(?:from|import|require\()\s*['"](\.{1,2}\/[^'"]+)['"]/g))
      out.push({ file: path.relative(ROOT, abs), target: path.relative(ROOT, path.resolve(path.dirname(abs), m[1]!)) });
  }
  return out;
}

test('shared/ imports nothing of the project outside shared/', () => {
  const found = importsUnder('shared');
  expect(found.length).toBeGreaterThan(10);
  expect(found.filter((i) => !i.target.startsWith(`shared${path.sep}`))).toEqual([]);
});

test('reports/ takes the logger and config primitives from shared/, and from the exporter only its read-only database access', () => {
  const found = importsUnder('reports');
  expect(found.some((i) => i.target === path.join('shared', 'logger'))).toBe(true);
  const intoExporter = found.filter((i) => i.target.startsWith(`exporter${path.sep}`));
  expect(intoExporter.filter((i) => i.target !== path.join('exporter', 'src', 'runtime', 'db'))).toEqual([]);
});
