// Static checks of the Dockerfile (no Docker engine here): the stages, what the runtime image
// contains against what the code reads at run time, and its agreement with k8s/ and the Tiltfile.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, posix } from 'node:path';
import { build } from './kustomize';
import { containers, parseImage } from './objects';
import {
  dockerignore,
  execForm,
  globToRegExp,
  parseDockerfile,
  resolveFrom,
  type Stage,
} from './dockerfile';
import { filesUnder, migrationDirs, productSources, read, repoFile, workflowBundle } from './repo';

const { args, stages } = parseDockerfile(read('Dockerfile'));
const stage = (name: string): Stage => {
  const s = stages.find((x) => x.name === name);
  if (!s) throw new Error(`no stage ${name}`);
  return s;
};
const last = (s: Stage, keyword: string) =>
  [...s.instructions].reverse().find((i) => i.keyword === keyword);
const runs = (s: Stage) => s.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
/** What the build stage copies into /out, the runtime image's only content: `cp -r --parents <paths> /out/`. */
const runtimeCopy = (): string[] => {
  const copy = runs(stage('build')).find((r) => /cp -r --parents/.test(r));
  if (!copy) throw new Error('the build stage copies nothing into /out');
  const args = copy
    .replace(/.*cp -r --parents\s+/, '')
    .split(/\s*&&/)[0]!
    .trim()
    .split(/\s+/);
  expect(args[args.length - 1]).toBe('/out/');
  return args.slice(0, -1);
};
/** A path is in the runtime image when it, or a folder above it, is copied. */
const copiedInto = (copied: string[], path: string): boolean =>
  copied.some((glob) =>
    path.split('/').some((_, i, parts) => globToRegExp(glob).test(parts.slice(0, i + 1).join('/'))),
  );
/** What the build stage deletes (`rm -rf <paths>`) after `npm run build` and before gathering /out. */
const removedBeforeCopy = (): string[] => {
  const buildRuns = runs(stage('build'));
  const from = buildRuns.findIndex((r) => /npm run build/.test(r));
  const to = buildRuns.findIndex((r) => /cp -r --parents/.test(r));
  return buildRuns
    .slice(from + 1, to)
    .flatMap((r) =>
      [...r.matchAll(/\brm -rf ([^&;]+)/g)].flatMap((m) => m[1]!.trim().split(/\s+/)),
    );
};
/** What the runtime image holds of the build stage's files: copied into /out and not deleted before. */
const inRuntime = (path: string): boolean =>
  copiedInto(runtimeCopy(), path) &&
  !removedBeforeCopy().some((r) =>
    path.split('/').some((_, i, parts) => globToRegExp(r).test(parts.slice(0, i + 1).join('/'))),
  );
/** Benchmarks and developer scripts: every file of bench/ and scripts/. */
const notProduct = (): string[] => [...filesUnder('bench'), ...filesUnder('scripts')];
/** The scripts `npm run build` runs (`node dist/scripts/x.js`), as their sources. */
const buildScripts = (): string[] => {
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
  return [...pkg.scripts.build!.matchAll(/node dist\/(scripts\/[\w./-]+)\.js/g)].map(
    (m) => `${m[1]!}.ts`,
  );
};
/** The repository paths a source file imports by a relative specifier. */
const relativeImports = (file: string): string[] =>
  [...read(file).matchAll(/(?:\bfrom|\bimport\(|\brequire\()\s*'(\.{1,2}\/[^']*)'/g)].map((m) =>
    posix.join(dirname(file), m[1]!),
  );

describe('Dockerfile', () => {
  it('has the stages: deps, dev (Tilt), build, and the runtime last', () => {
    expect(stages.map((s) => s.name)).toEqual(['deps', 'dev', 'build', 'runtime']);
    expect(stage('dev').from).toBe('deps');
    expect(stage('build').from).toBe('deps');
  });

  it('installs every dependency from the lockfile, builds, then drops the dev dependencies', () => {
    expect(stage('deps').instructions.find((i) => i.keyword === 'COPY')?.args).toBe(
      'package.json package-lock.json ./',
    );
    expect(runs(stage('deps')).join('\n')).toMatch(/npm ci\b/);
    const buildRuns = runs(stage('build'));
    const at = (re: RegExp) => buildRuns.findIndex((r) => re.test(r));
    expect(at(/npm run build/)).toBeGreaterThanOrEqual(0);
    expect(at(/npm prune --omit=dev/)).toBeGreaterThan(at(/npm run build/));
  });

  it('the runtime holds the prebuilt Temporal workflow bundle, which `npm run build` writes where the worker reads it', () => {
    // scripts/bundleWorkflows.ts writes it, workflowSource() (platform/runtime/temporalRoles.ts) reads it.
    const bundle = workflowBundle();
    expect(bundle.written).toBe('dist/workflow-bundle.js');
    expect(bundle.read).toBe(bundle.written);
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.build).toMatch(/node dist\/scripts\/bundleWorkflows\.js/);
    // The build stage fails when the bundle is missing (the runtime has no workflows/ to bundle at
    // start), checked after the build and before the runtime's files are gathered.
    const buildRuns = runs(stage('build'));
    const at = (re: RegExp) => buildRuns.findIndex((r) => re.test(r));
    const check = at(new RegExp(`test -s ${bundle.written.replace(/[.]/g, '\\.')}`));
    expect(check).toBeGreaterThan(at(/npm run build/));
    expect(check).toBeLessThan(at(/cp -r --parents/));
    const copied = runtimeCopy();
    expect(copiedInto(copied, bundle.written)).toBe(true);
    expect(copiedInto(copied, 'workflows/index.ts')).toBe(false);
    // Never a stale bundle from the build context: dist/ is ignored, so the dev image has none and
    // its worker bundles the synced workflows/ instead.
    expect(
      read('.dockerignore')
        .split('\n')
        .map((l) => l.trim()),
    ).toContain('dist');
  });

  it('runs on a slim Node 20 base as a non-root user, with `node dist/main.js <role>`', () => {
    const runtime = stages[stages.length - 1]!;
    expect(resolveFrom(runtime.from, args)).toMatch(/^node:20(\.\d+)*-[a-z]+-slim$/);
    const user = last(runtime, 'USER')!.args;
    expect(user).toMatch(/^\d+(:\d+)?$/); // numeric, so runAsNonRoot can be checked
    expect(Number(user.split(':')[0])).toBeGreaterThan(0);
    expect(execForm(last(runtime, 'ENTRYPOINT')!.args)).toEqual(['node', 'dist/main.js']);
    expect(last(runtime, 'ENV')!.args).toMatch(/\bNODE_ENV=production\b/);
    expect(last(runtime, 'EXPOSE')!.args).toBe('4000');
  });

  it('the runtime holds the compiled code, its production dependencies and every migration folder the code applies', () => {
    const copied = runtimeCopy();
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'dist', 'node_modules']));
    const dirs = migrationDirs();
    expect(dirs).toEqual(expect.arrayContaining(['platform/postgres/migrations']));
    for (const dir of dirs) {
      expect({ dir, copied: copied.some((glob) => globToRegExp(glob).test(dir)) }).toEqual({
        dir,
        copied: true,
      });
      expect(readdirSync(repoFile(dir)).some((f) => f.endsWith('.sql'))).toBe(true);
    }
    const runtime = stages[stages.length - 1]!;
    expect(runtime.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args)).toEqual([
      '--from=build /out/ ./',
    ]);
  });

  it('the runtime holds no benchmark or developer script: their compiled code is deleted before the runtime is gathered, and the roles import none of it', () => {
    const compiled = notProduct()
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `dist/${f.replace(/\.ts$/, '.js')}`);
    expect(compiled).toEqual(
      expect.arrayContaining([
        'dist/bench/run.js',
        'dist/bench/probe.js',
        'dist/scripts/bundleWorkflows.js',
        'dist/scripts/dev-token.js',
      ]),
    );
    for (const path of [...compiled, ...notProduct()])
      expect({ path, inRuntime: inRuntime(path) }).toEqual({ path, inRuntime: false });
    // What the roles do run is still there.
    for (const path of ['dist/main.js', 'dist/platform/config.js', workflowBundle().written])
      expect({ path, inRuntime: inRuntime(path) }).toEqual({ path, inRuntime: true });
    for (const file of productSources()) {
      const imported = relativeImports(file).filter((p) => /^(bench|scripts)(\/|$)/.test(p));
      expect({ file, imported }).toEqual({ file, imported: [] });
    }
  });

  it('dev target: roles restart on change, one-shot commands (the Jobs of the dev overlay) run once', () => {
    const dev = stage('dev');
    expect(last(dev, 'USER')!.args).toBe(last(stages[stages.length - 1]!, 'USER')!.args);
    const entry = execForm(last(dev, 'ENTRYPOINT')!.args);
    const script = dev.instructions.find(
      (i) => i.heredoc && i.args.includes(`/usr/local/bin/${entry[0]}`),
    )!.heredoc!;
    expect(script).toMatch(/node --watch -r @swc-node\/register main\.ts "\$@"/);
    const oneShot = /^\s*([\w|]+)\) exec node -r @swc-node\/register main\.ts "\$@"/m
      .exec(script)![1]!
      .split('|');
    const jobs = build(repoFile('k8s/overlays/dev'))
      .map((b) => b.object)
      .filter((o) => o.kind === 'Job');
    for (const job of jobs) {
      for (const c of containers(job)) {
        if (parseImage(String(c.image)).name !== 'devpie-client-backend') continue;
        expect(oneShot).toContain((c.args as string[])[0]);
      }
    }
  });

  it('pods run as the image user', () => {
    const uid = Number(last(stages[stages.length - 1]!, 'USER')!.args.split(':')[0]);
    for (const overlay of ['dev', 'prod', 'prod-jetstream']) {
      for (const { object } of build(repoFile(`k8s/overlays/${overlay}`))) {
        if (
          !containers(object).some((c) =>
            parseImage(String(c.image)).name.endsWith('devpie-client-backend'),
          )
        )
          continue;
        const pod = (object.spec as Record<string, any>).template.spec as Record<string, any>;
        expect({
          workload: object.metadata.name,
          runAsUser: pod.securityContext?.runAsUser,
        }).toEqual({ workload: object.metadata.name, runAsUser: uid });
      }
    }
  });
});

describe('.dockerignore', () => {
  const { patterns, excludes } = dockerignore(read('.dockerignore'));

  it('keeps local and generated files out of the build context', () => {
    expect(patterns).toEqual(
      expect.arrayContaining(['.git', 'node_modules', 'dist', '.data', '.tools']),
    );
  });

  it('keeps everything the build needs in it', () => {
    expect(buildScripts()).toEqual(['scripts/bundleWorkflows.ts']);
    const needed = [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'main.ts',
      'apps',
      'components',
      'projectors',
      'platform',
      'contracts',
      'workflows',
      'activities',
      ...buildScripts(),
      ...migrationDirs(),
    ];
    for (const path of needed) {
      expect(existsSync(repoFile(path))).toBe(true);
      expect({ path, excluded: excludes(path) }).toEqual({ path, excluded: false });
    }
    // What the build scripts import comes along.
    for (const script of buildScripts()) {
      for (const path of relativeImports(script))
        expect({ script, path, excluded: excludes(path) }).toEqual({
          script,
          path,
          excluded: false,
        });
    }
  });

  it('keeps benchmarks and developer scripts out, but for the scripts `npm run build` runs', () => {
    const files = notProduct();
    expect(files).toEqual(
      expect.arrayContaining(['bench/run.ts', 'scripts/bench.sh', 'scripts/bundleWorkflows.ts']),
    );
    for (const path of files)
      expect({ path, excluded: excludes(path) }).toEqual({
        path,
        excluded: !buildScripts().includes(path),
      });
  });
});
