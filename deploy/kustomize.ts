// Builds kustomizations with the real kustomize (.tools/kustomize, pinned in scripts/dev-stack.sh),
// so the deploy tests check exactly the objects `kustomize build` produces, not an imitation's.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { K8sObject } from './objects';
import { repoFile } from './repo';

/** An object and the file it came from (for messages, and for checks on the file's comments). */
export interface Built {
  object: K8sObject;
  file: string;
}

const KUSTOMIZE = repoFile('.tools', 'kustomize');
const ORIGIN = 'config.kubernetes.io/origin';

/** Parses every YAML document of a file; a syntax error or a duplicate key throws. */
export function readYamlDocuments(file: string): unknown[] {
  return parseDocuments(readFileSync(file, 'utf8'), file);
}

function parseDocuments(text: string, source: string): unknown[] {
  return parseAllDocuments(text, { uniqueKeys: true }).flatMap((doc) => {
    if (doc.errors.length > 0)
      throw new Error(`${source}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS({ maxAliasCount: 0 }) as unknown;
    return value === null || value === undefined ? [] : [value];
  });
}

// A build takes most of a second; the tests build the same overlays many times.
const builds = new Map<string, Built[]>();

/** `kustomize build <dir>`: every object, in kustomize's order, with the file it came from. */
export function build(dir: string): Built[] {
  const root = realpathSync(resolve(dir));
  let built = builds.get(root);
  if (!built) {
    built = kustomizeBuild(root);
    builds.set(root, built);
  }
  // Copies: a caller changing an object must not change the next caller's build.
  return structuredClone(built);
}

/**
 * Builds `root` through a kustomization of our own that only adds origin annotations (each
 * object's source file, relative to that kustomization), so the tests can read the comments of
 * the file a workload is defined in. kustomize refuses an absolute path to another
 * kustomization, hence the relative one.
 */
function kustomizeBuild(root: string): Built[] {
  if (!existsSync(KUSTOMIZE)) {
    throw new Error(
      `${KUSTOMIZE} is missing: run \`bash scripts/dev-stack.sh tools\` to build it (scripts/test.sh does)`,
    );
  }
  const dir = mkdtempSync(join(realpathSync(tmpdir()), 'devpie-kustomize-'));
  let stdout: string;
  try {
    const kustomization = [
      'resources:',
      `  - ${JSON.stringify(relative(dir, root))}`,
      'buildMetadata: [originAnnotations]',
      '',
    ];
    writeFileSync(join(dir, 'kustomization.yaml'), kustomization.join('\n'));
    const run = spawnSync(KUSTOMIZE, ['build', dir], {
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (run.error) throw new Error(`${KUSTOMIZE} build ${root}: ${run.error.message}`);
    if (run.status !== 0) throw new Error(`kustomize build ${root} failed:\n${run.stderr}`);
    stdout = run.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return parseDocuments(stdout, `kustomize build ${root}`).map((doc) => {
    const object = doc as K8sObject;
    const annotations = object.metadata.annotations ?? {};
    const origin = (parseDocuments(annotations[ORIGIN] ?? '', ORIGIN)[0] ?? {}) as {
      path?: string;
      configuredIn?: string;
    };
    // path: a resource file; configuredIn: the kustomization.yaml of a generator.
    const from = origin.path ?? origin.configuredIn;
    if (!from)
      throw new Error(
        `kustomize build ${root}: no origin for ${object.kind}/${object.metadata.name}`,
      );
    // The annotation is the wrapper's, not part of what the kustomization produces.
    const { [ORIGIN]: _, ...others } = annotations;
    if (Object.keys(others).length === 0) delete object.metadata.annotations;
    else object.metadata.annotations = others;
    return { object, file: resolve(dir, from) };
  });
}

/** The kustomization directories under a folder (each one is built by the tests). */
export function kustomizationDirs(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    if (existsSync(join(d, 'kustomization.yaml'))) out.push(d);
    for (const e of readdirSync(d, { withFileTypes: true }))
      if (e.isDirectory()) walk(join(d, e.name));
  };
  walk(root);
  return out.sort();
}

/**
 * Every file a kustomization names (resources, components, patches, generator files), resolved,
 * recursively: kustomize says when one is missing, not when a manifest is named by none.
 */
export function referencedFiles(dir: string): string[] {
  const file = join(dir, 'kustomization.yaml');
  const k = (readYamlDocuments(file)[0] ?? {}) as Kustomization;
  const out = [file];
  for (const r of [...(k.resources ?? []), ...(k.components ?? [])]) {
    const p = resolve(dir, r);
    if (existsSync(p) && statSync(p).isDirectory()) out.push(...referencedFiles(p));
    else out.push(p);
  }
  for (const p of k.patches ?? []) if (p.path !== undefined) out.push(resolve(dir, p.path));
  for (const g of [...(k.secretGenerator ?? []), ...(k.configMapGenerator ?? [])]) {
    // `files` entries may name their key: `key=path`.
    for (const f of [...(g.envs ?? []), ...(g.files ?? []).map((x) => x.slice(x.indexOf('=') + 1))])
      out.push(resolve(dir, f));
  }
  return out;
}

/** The fields of a kustomization.yaml that name files. */
interface Kustomization {
  resources?: string[];
  components?: string[];
  patches?: { path?: string }[];
  secretGenerator?: Generator[];
  configMapGenerator?: Generator[];
}
interface Generator {
  envs?: string[];
  files?: string[];
}
