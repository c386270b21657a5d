// A tiny kustomize: builds a kustomization directory the way `kustomize build` does, for the subset
// of features k8s/ uses, so the tests can check what an overlay really produces without the
// kustomize binary. Anything outside that subset throws, so a manifest can never silently build
// differently here; manifests.unit.test.ts compares the result with `kubectl kustomize` when
// kubectl is installed.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** An object and the file it came from (for messages, and for checks on the file's comments). */
export interface Built {
  object: K8sObject;
  file: string;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const KUSTOMIZATION_KEYS = new Set([
  'apiVersion',
  'kind',
  'resources',
  'patches',
  'images',
  'namespace',
  'secretGenerator',
  'configMapGenerator',
  'generatorOptions',
]);

/** Parses every YAML document of a file; a syntax error or a duplicate key throws. */
export function readYamlDocuments(file: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'), { uniqueKeys: true });
  return docs.flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS({ maxAliasCount: 0 }) as unknown;
    return value === null || value === undefined ? [] : [value];
  });
}

export function readKustomization(dir: string): JsonObject {
  const file = join(dir, 'kustomization.yaml');
  if (!existsSync(file)) throw new Error(`${dir}: no kustomization.yaml`);
  const [k] = readYamlDocuments(file) as JsonObject[];
  if (!k || typeof k !== 'object') throw new Error(`${file}: empty`);
  for (const key of Object.keys(k)) if (!KUSTOMIZATION_KEYS.has(key)) throw new Error(`${file}: field ${key} is not supported by deploy/kustomize.ts`);
  return k;
}

/** Every file a kustomization names (resources, patches, env files), resolved, recursively. */
export function referencedFiles(dir: string): string[] {
  const k = readKustomization(dir);
  const out = [join(dir, 'kustomization.yaml')];
  for (const r of (k.resources as string[] | undefined) ?? []) {
    const p = resolve(dir, r);
    if (existsSync(p) && statSync(p).isDirectory()) out.push(...referencedFiles(p));
    else out.push(p);
  }
  for (const p of (k.patches as JsonObject[] | undefined) ?? []) if (typeof p.path === 'string') out.push(resolve(dir, p.path));
  for (const g of [...((k.secretGenerator as JsonObject[] | undefined) ?? []), ...((k.configMapGenerator as JsonObject[] | undefined) ?? [])]) {
    for (const e of (g.envs as string[] | undefined) ?? []) out.push(resolve(dir, e));
  }
  return out;
}

export function build(dir: string): Built[] {
  dir = resolve(dir);
  const k = readKustomization(dir);
  let items: Built[] = [];

  for (const r of (k.resources as string[] | undefined) ?? []) {
    const p = resolve(dir, r);
    if (!existsSync(p)) throw new Error(`${dir}/kustomization.yaml: resource ${r} does not exist`);
    if (statSync(p).isDirectory()) items.push(...build(p));
    else for (const doc of readYamlDocuments(p)) items.push({ object: asObject(doc, p), file: p });
  }
  items.push(...generate(dir, k));
  const seen = new Set<string>();
  for (const { object } of items) {
    const id = objectId(object);
    if (seen.has(id)) throw new Error(`${dir}: ${id} is defined twice`);
    seen.add(id);
  }

  for (const patch of (k.patches as JsonObject[] | undefined) ?? []) items = applyPatch(dir, items, patch);

  if (typeof k.namespace === 'string') {
    for (const { object } of items) if (!CLUSTER_SCOPED.has(object.kind)) object.metadata.namespace = k.namespace;
  }
  for (const image of (k.images as JsonObject[] | undefined) ?? []) setImage(items, image);
  return items;
}

export const objectId = (o: K8sObject): string => `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass', 'CustomResourceDefinition', 'IngressClass', 'PriorityClass']);

function asObject(doc: unknown, file: string): K8sObject {
  const o = doc as K8sObject;
  if (!o || typeof o !== 'object' || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string') {
    throw new Error(`${file}: a document without apiVersion, kind and metadata.name`);
  }
  return o;
}

function generate(dir: string, k: JsonObject): Built[] {
  const options = (k.generatorOptions as JsonObject | undefined) ?? {};
  const out: Built[] = [];
  const generators: [string, JsonObject[]][] = [
    ['Secret', (k.secretGenerator as JsonObject[] | undefined) ?? []],
    ['ConfigMap', (k.configMapGenerator as JsonObject[] | undefined) ?? []],
  ];
  for (const [kind, list] of generators) {
    for (const g of list) {
      for (const key of Object.keys(g)) if (!['name', 'literals', 'envs', 'options'].includes(key)) throw new Error(`${dir}: generator field ${key} is not supported`);
      const hashOff = ((g.options as JsonObject | undefined)?.disableNameSuffixHash ?? options.disableNameSuffixHash) === true;
      // With a hash suffix kustomize renames the object and every reference to it; not modelled here.
      if (!hashOff) throw new Error(`${dir}: generator ${String(g.name)} needs disableNameSuffixHash: true (deploy/kustomize.ts does not rename references)`);
      const data: Record<string, string> = {};
      const lines = [...((g.literals as string[] | undefined) ?? [])];
      for (const env of (g.envs as string[] | undefined) ?? []) {
        lines.push(...readFileSync(resolve(dir, env), 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#')));
      }
      for (const line of lines) {
        const at = line.indexOf('=');
        if (at <= 0) throw new Error(`${dir}: generator line without KEY=VALUE: ${line}`);
        data[line.slice(0, at)] = line.slice(at + 1);
      }
      const object: K8sObject =
        kind === 'Secret'
          ? {
              apiVersion: 'v1',
              kind,
              metadata: { name: String(g.name) },
              type: 'Opaque',
              data: Object.fromEntries(Object.entries(data).map(([key, v]) => [key, Buffer.from(v).toString('base64')])),
            }
          : { apiVersion: 'v1', kind, metadata: { name: String(g.name) }, data };
      out.push({ object, file: join(dir, 'kustomization.yaml') });
    }
  }
  return out;
}

// ---- patches ---------------------------------------------------------------------------------

function applyPatch(dir: string, items: Built[], patch: JsonObject): Built[] {
  for (const key of Object.keys(patch)) if (!['path', 'patch', 'target'].includes(key)) throw new Error(`${dir}: patch field ${key} is not supported`);
  const text = typeof patch.path === 'string' ? readFileSync(resolve(dir, patch.path), 'utf8') : String(patch.patch);
  const where = typeof patch.path === 'string' ? relative(process.cwd(), resolve(dir, patch.path)) : `${dir} (inline patch)`;
  const docs = parseAllDocuments(text, { uniqueKeys: true }).map((d) => {
    if (d.errors.length > 0) throw new Error(`${where}: ${d.errors[0]!.message}`);
    return d.toJS() as Json;
  });
  if (docs.length !== 1) throw new Error(`${where}: one patch per file`);
  const body = docs[0]!;
  const target = patch.target as JsonObject | undefined;

  if (Array.isArray(body)) {
    if (!target) throw new Error(`${where}: a JSON 6902 patch needs a target`);
    const matched = items.filter((i) => matches(i.object, target));
    if (matched.length === 0) throw new Error(`${where}: the target matches nothing`);
    for (const m of matched) m.object = jsonPatch(m.object as unknown as Json, body, where) as unknown as K8sObject;
    return items;
  }

  const smp = body as JsonObject;
  const meta = (smp.metadata as JsonObject | undefined) ?? {};
  const selector: JsonObject = target ?? { kind: smp.kind as string, name: meta.name as string };
  const matched = items.filter((i) => matches(i.object, selector));
  if (matched.length === 0) throw new Error(`${where}: the patch matches nothing`);
  const { apiVersion: _a, kind: _k, ...rest } = smp;
  const restMeta = { ...meta };
  delete restMeta.name;
  delete restMeta.namespace;
  for (const m of matched) {
    const patchBody = { ...rest, metadata: restMeta } as JsonObject;
    if (Object.keys(restMeta).length === 0) delete patchBody.metadata;
    m.object = strategicMerge(m.object as unknown as Json, patchBody, [], where) as unknown as K8sObject;
  }
  return items;
}

function matches(o: K8sObject, target: JsonObject): boolean {
  for (const key of Object.keys(target)) if (!['group', 'version', 'kind', 'name', 'namespace', 'labelSelector'].includes(key)) throw new Error(`target field ${key} is not supported`);
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  if (target.group !== undefined && target.group !== group) return false;
  if (target.version !== undefined && target.version !== version) return false;
  if (target.kind !== undefined && target.kind !== o.kind) return false;
  if (target.name !== undefined && !new RegExp(`^(?:${String(target.name)})$`).test(o.metadata.name)) return false;
  if (target.namespace !== undefined && target.namespace !== (o.metadata.namespace ?? '')) return false;
  if (target.labelSelector !== undefined) {
    const labels = o.metadata.labels ?? {};
    for (const term of String(target.labelSelector).split(',').map((t) => t.trim())) {
      const m = /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(term);
      if (!m) throw new Error(`label selector term ${term} is not supported (equality only)`);
      const equal = labels[m[1]!] === m[3];
      if (m[2] === '!=' ? equal : !equal) return false;
    }
  }
  return true;
}

/** Lists Kubernetes merges by a key instead of replacing (the patchMergeKey of the API types used). */
function mergeKey(path: string[], field: string): string | undefined {
  const inContainer = path.some((p) => p === 'containers' || p === 'initContainers');
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
      return 'name';
    case 'volumeMounts':
      return 'mountPath';
    case 'ports':
      return inContainer ? 'containerPort' : path.join('.') === 'spec' ? 'port' : undefined;
    default:
      return undefined;
  }
}

function strategicMerge(base: Json, patch: Json, path: string[], where: string): Json {
  if (!isObject(base) || !isObject(patch)) return clone(patch);
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) throw new Error(`${where}: patch directive ${key} is not supported`);
    if (value === null) {
      delete out[key];
      continue;
    }
    const current = out[key];
    if (Array.isArray(value)) {
      const by = mergeKey(path, key);
      if (by && Array.isArray(current)) {
        const merged = current.map(clone);
        for (const item of value) {
          if (!isObject(item) || item[by] === undefined) throw new Error(`${where}: ${[...path, key].join('.')} items need ${by}`);
          const at = merged.findIndex((m) => isObject(m) && m[by] === item[by]);
          if (at >= 0) merged[at] = strategicMerge(merged[at]!, item, [...path, key], where);
          else merged.push(clone(item));
        }
        out[key] = merged;
      } else out[key] = clone(value);
    } else if (isObject(value) && isObject(current)) out[key] = strategicMerge(current, value, [...path, key], where);
    else out[key] = clone(value);
  }
  return out;
}

function jsonPatch(doc: Json, ops: Json[], where: string): Json {
  let root = clone(doc);
  for (const op of ops) {
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') throw new Error(`${where}: malformed operation`);
    const parts = op.path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop();
    if (last === undefined) throw new Error(`${where}: cannot patch the root`);
    let parent: Json = root;
    for (const p of parts) {
      parent = Array.isArray(parent) ? parent[Number(p)]! : isObject(parent) ? parent[p]! : null;
      if (parent === undefined || parent === null || typeof parent !== 'object') throw new Error(`${where}: ${op.path}: no such parent`);
    }
    switch (op.op) {
      case 'add':
        if (Array.isArray(parent)) parent.splice(last === '-' ? parent.length : Number(last), 0, clone(op.value!));
        else (parent as JsonObject)[last] = clone(op.value!);
        break;
      case 'replace':
        if (Array.isArray(parent)) parent[Number(last)] = clone(op.value!);
        else {
          if (!(last in (parent as JsonObject))) throw new Error(`${where}: ${op.path}: nothing to replace`);
          (parent as JsonObject)[last] = clone(op.value!);
        }
        break;
      case 'remove':
        if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else delete (parent as JsonObject)[last];
        break;
      default:
        throw new Error(`${where}: operation ${op.op} is not supported`);
    }
    root = clone(root);
  }
  return root;
}

// ---- images ----------------------------------------------------------------------------------

/** Every container of a workload's pod template (or a bare Pod). */
export function podSpec(o: K8sObject): JsonObject | undefined {
  const spec = o.spec as JsonObject | undefined;
  if (!spec) return undefined;
  if (o.kind === 'Pod') return spec;
  if (o.kind === 'CronJob') return (((spec.jobTemplate as JsonObject)?.spec as JsonObject)?.template as JsonObject)?.spec as JsonObject;
  return (spec.template as JsonObject | undefined)?.spec as JsonObject | undefined;
}

export function containers(o: K8sObject): JsonObject[] {
  const spec = podSpec(o);
  if (!spec) return [];
  return [...((spec.initContainers as JsonObject[] | undefined) ?? []), ...((spec.containers as JsonObject[] | undefined) ?? [])];
}

/** `registry[:port]/name[:tag][@digest]` split; `images:` entries match the name. */
export function parseImage(image: string): { name: string; tag?: string; digest?: string } {
  const [ref, digest] = image.split('@') as [string, string | undefined];
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { name: ref.slice(0, colon), tag: ref.slice(colon + 1), digest };
  return { name: ref, digest };
}

function setImage(items: Built[], image: JsonObject): void {
  for (const key of Object.keys(image)) if (!['name', 'newName', 'newTag', 'digest'].includes(key)) throw new Error(`images field ${key} is not supported`);
  for (const { object } of items) {
    for (const c of containers(object)) {
      const current = parseImage(String(c.image));
      if (current.name !== image.name) continue;
      const name = typeof image.newName === 'string' ? image.newName : current.name;
      if (typeof image.digest === 'string') c.image = `${name}@${image.digest}`;
      else if (image.newTag !== undefined) c.image = `${name}:${String(image.newTag)}`;
      else c.image = `${name}${current.tag ? `:${current.tag}` : ''}${current.digest ? `@${current.digest}` : ''}`;
    }
  }
}

// ---- helpers ---------------------------------------------------------------------------------

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T extends Json>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

/** The kustomization directories under a folder (each one is built by the tests). */
export function kustomizationDirs(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    if (existsSync(join(d, 'kustomization.yaml'))) out.push(d);
    for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
  };
  walk(root);
  return out.sort();
}
