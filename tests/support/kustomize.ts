/**
 * A minimal kustomize renderer for the generated overlays: resources (files and directories),
 * components, `namespace`, and strategic-merge `patches` by path — the only features they use. Lists of named
 * objects (containers, volumes, ports, env) merge by name, as Kubernetes' merge keys do; `null` deletes.
 * Where kubectl is installed, its `kubectl kustomize` output is compared with this one.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
};

const CLUSTER_SCOPED = new Set(['Namespace']);

export function readDocs(file: string): K8sObject[] {
  return YAML.parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as K8sObject | null)
    .filter((d): d is K8sObject => d !== null);
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function strategicMerge(base: unknown, patch: unknown): unknown {
  if (isObj(base) && isObj(patch)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete out[k];
      else out[k] = k in base ? strategicMerge(base[k], v) : v;
    }
    return out;
  }
  if (Array.isArray(base) && Array.isArray(patch) && patch.every((p) => isObj(p) && typeof p.name === 'string')) {
    // Order as Kubernetes' strategic merge does: the patch's order, base-only items kept before the
    // first patch item that follows them in the base.
    const nameOf = (x: unknown) => (x as Record<string, unknown>).name;
    const baseIndex = (x: unknown) => base.findIndex((b) => isObj(b) && b.name === nameOf(x));
    const baseOnly = base.filter((b) => !patch.some((p) => nameOf(p) === nameOf(b)));
    const out: unknown[] = [];
    for (const p of patch) {
      const j = baseIndex(p);
      if (j >= 0) while (baseOnly.length && base.indexOf(baseOnly[0]) < j) out.push(baseOnly.shift());
      out.push(j >= 0 ? strategicMerge(base[j], p) : p);
    }
    return [...out, ...baseOnly];
  }
  return patch;
}

export function render(dir: string): K8sObject[] {
  const k = YAML.parse(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as {
    namespace?: string;
    resources?: string[];
    components?: string[];
    patches?: { path: string }[];
  };
  let objects: K8sObject[] = [];
  for (const r of k.resources ?? []) {
    const p = path.join(dir, r);
    objects.push(...(statSync(p).isDirectory() ? render(p) : readDocs(p)));
  }
  // A component adds its resources and patches the objects accumulated so far.
  for (const c of k.components ?? []) objects = applyPatches(path.join(dir, c), render(path.join(dir, c)).concat(objects), 'component');
  objects = applyPatches(dir, objects, 'kustomization');
  if (k.namespace) {
    const ns = k.namespace;
    objects = objects.map((o) => (CLUSTER_SCOPED.has(o.kind) ? o : { ...o, metadata: { ...o.metadata, namespace: ns } }));
  }
  return objects;
}

function applyPatches(dir: string, input: K8sObject[], what: 'component' | 'kustomization'): K8sObject[] {
  const k = YAML.parse(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as { kind: string; patches?: { path: string }[] };
  // A component's own render() leaves its patches to the kustomization that includes it.
  if ((k.kind === 'Component') !== (what === 'component')) return input;
  const objects = [...input];
  for (const { path: file } of k.patches ?? []) {
    for (const patch of readDocs(path.join(dir, file))) {
      const i = objects.findIndex(
        (o) => o.kind === patch.kind && o.apiVersion === patch.apiVersion && o.metadata.name === patch.metadata.name,
      );
      if (i < 0) throw new Error(`patch ${file}: no ${patch.kind} ${patch.metadata.name} to patch`);
      objects[i] = strategicMerge(objects[i], patch) as K8sObject;
    }
  }
  return objects;
}

/** `kubectl kustomize <dir>` parsed, or null when kubectl is not installed. */
export function kubectlKustomize(dir: string): K8sObject[] | null {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 30_000 });
  } catch {
    return null;
  }
  const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  return YAML.parseAllDocuments(out).map((d) => d.toJS() as K8sObject);
}

export const key = (o: K8sObject) => `${o.apiVersion}/${o.kind}/${o.metadata.name}`;
