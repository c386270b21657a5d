// Static checks of the Tiltfile (Tilt is not installed here): the files it names exist, the image
// it builds is the one the manifests run, and what it forwards and waits for is in the dev overlay.
import { existsSync, statSync } from 'node:fs';
import { parseDockerfile } from './dockerfile';
import { build } from './kustomize';
import { containers, podSpec } from './objects';
import { read, repoFile } from './repo';

const tilt = read('Tiltfile');
const code = tilt
  .split('\n')
  .map((l) => l.replace(/#.*$/, ''))
  .join('\n');

/** A top-level constant: `NAME = 'x'` or `NAME = ['a', 'b']`. */
function constant(name: string): string | string[] {
  const m = new RegExp(`^${name} = (\\[[^\\]]*\\]|'[^']*')`, 'm').exec(code);
  if (!m) throw new Error(`Tiltfile: no constant ${name}`);
  const strings = [...m[1]!.matchAll(/'([^']*)'/g)].map((x) => x[1]!);
  return m[1]!.startsWith('[') ? strings : strings[0]!;
}

const dev = build(repoFile('k8s/overlays/dev')).map((b) => b.object);
const workload = (name: string) => dev.find((o) => podSpec(o) && o.metadata.name === name);

describe('Tiltfile', () => {
  it('names only files that exist (besides the generated .data/)', () => {
    const literals = [...code.matchAll(/'([^'\s]+)'/g)].map((m) => m[1]!);
    const paths = literals.filter(
      (s) =>
        s.includes('/') &&
        !s.startsWith('/') &&
        !s.includes(':') &&
        !/^[a-z0-9-]+(\.[a-z0-9-]+)+\//.test(s) &&
        !s.includes('%'),
    );
    expect(paths).toEqual(expect.arrayContaining(['k8s/overlays/dev', '.data/dev-issuer.pem']));
    for (const p of paths)
      if (!p.startsWith('.data/'))
        expect({ path: p, exists: existsSync(repoFile(p)) }).toEqual({ path: p, exists: true });
    for (const p of [
      ...(constant('SOURCES') as string[]),
      ...(constant('REBUILD_ON') as string[]),
    ]) {
      expect({ path: p, exists: existsSync(repoFile(p)) }).toEqual({ path: p, exists: true });
    }
    expect(
      statSync(repoFile(constant('DEV_OVERLAY') as string, 'kustomization.yaml')).isFile(),
    ).toBe(true);
  });

  it('builds the dev target of the Dockerfile, as the image the manifests run', () => {
    const image = constant('IMAGE') as string;
    expect(code).toMatch(/docker_build\(\s*IMAGE,\s*'\.',\s*target='dev'/);
    expect(parseDockerfile(read('Dockerfile')).stages.map((s) => s.name)).toContain('dev');
    const images = new Set(dev.flatMap((o) => containers(o).map((c) => String(c.image))));
    expect(images).toContain(image);
    expect(code).toMatch(/kustomize\(DEV_OVERLAY\)/);
  });

  it('syncs every top-level folder the roles are built from, and rebuilds on dependency changes', () => {
    const sources = constant('SOURCES') as string[];
    // Every top-level folder main.ts imports from (`./platform/...`, or `./activities` for its index).
    const imported = new Set(
      [...read('main.ts').matchAll(/from '\.\/([^/']+)['/]/g)].map((m) => m[1]!),
    );
    for (const dir of [...imported, 'contracts', 'workflows']) {
      const entry =
        existsSync(repoFile(dir)) && statSync(repoFile(dir)).isDirectory() ? dir : `${dir}.ts`;
      expect({ imported: dir, synced: sources.includes(entry) }).toEqual({
        imported: dir,
        synced: true,
      });
    }
    expect(sources).toContain('main.ts');
    expect(constant('REBUILD_ON')).toEqual(
      expect.arrayContaining(['package.json', 'package-lock.json', 'Dockerfile']),
    );
    expect(code).toMatch(/fall_back_on\(REBUILD_ON\)/);
  });

  it('the dev image restarts workflow-worker on a change to any synced source (its workflows are bundled, not loaded by node)', () => {
    const dev = parseDockerfile(read('Dockerfile')).stages.find((st) => st.name === 'dev')!;
    const script = dev.instructions
      .find((i) => i.heredoc?.includes('case "$1"'))!
      .heredoc!.replace(/\\\n\s*/g, ' ');
    const line = /^\s*workflow-worker\) exec node (.*) -r @swc-node\/register main\.ts "\$@"/m.exec(
      script,
    );
    expect(line).not.toBeNull();
    const watched = [...line![1]!.matchAll(/--watch-path=(\S+)/g)].map((m) => m[1]!);
    expect(watched.sort()).toEqual([...(constant('SOURCES') as string[])].sort());
  });

  it('forwards the API (4000), the Temporal UI (8233) and Postgres to ports the workloads declare', () => {
    const block = /PORT_FORWARDS = \{([\s\S]*?)\n\}/.exec(code)![1]!;
    const forwards = [...block.matchAll(/'([\w-]+)': \[([^\]]*)\]/g)].map((m) => ({
      name: m[1]!,
      spec: m[2]!,
    }));
    const local: Record<string, string> = {};
    for (const { name, spec } of forwards) {
      const w = workload(name);
      expect({ name, exists: Boolean(w) }).toEqual({ name, exists: true });
      const remote = Number(/:(\d+)'?$/.exec(spec.trim())![1]);
      const ports = containers(w!).flatMap((c) =>
        ((c.ports as { containerPort: number }[] | undefined) ?? []).map((p) => p.containerPort),
      );
      expect({ name, remote, declared: ports.includes(remote) }).toEqual({
        name,
        remote,
        declared: true,
      });
      local[name] = /'(\d+):/.exec(spec)?.[1] ?? spec;
    }
    expect(local['api-gateway']).toBe('4000');
    expect(local.temporal).toBe('8233');
    expect(local.postgres).toMatch(/POSTGRES_PORT/);
    expect(code).toMatch(/POSTGRES_PORT = os\.getenv\('DEVPIE_PG_PORT', '5432'\)/);
  });

  it('waits for workloads that exist, and groups resources by the devpie.io/context label', () => {
    const deps = [
      ...code.matchAll(
        /\[('[\w-]+'(?:, '[\w-]+')*)\]\s+if kind == 'Job' else \[('[\w-]+'(?:, '[\w-]+')*)\]/g,
      ),
    ].flatMap((m) =>
      [m[1]!, m[2]!].flatMap((l) => [...l.matchAll(/'([\w-]+)'/g)].map((x) => x[1]!)),
    );
    expect(deps).toEqual(expect.arrayContaining(['postgres', 'devpie-migrate', 'nats-streaming']));
    // The process roles (context `processes`) also wait for Temporal.
    const processes =
      /if context == '([\w-]+)':\s*\n\s*deps = deps \+ \[('[\w-]+'(?:, '[\w-]+')*)\]/.exec(code);
    expect(processes).not.toBeNull();
    expect(processes![1]).toBe('processes');
    const temporalDeps = [...processes![2]!.matchAll(/'([\w-]+)'/g)].map((x) => x[1]!);
    expect(temporalDeps).toEqual(['temporal']);
    deps.push(...temporalDeps);
    const processRoles = dev
      .filter(
        (o) => o.kind === 'Deployment' && o.metadata.labels?.['devpie.io/context'] === 'processes',
      )
      .map((o) => o.metadata.name);
    expect(processRoles.sort()).toEqual(['dispatcher', 'workflow-worker']);
    for (const name of deps)
      expect({ name, exists: Boolean(workload(name)) }).toEqual({ name, exists: true });
    expect(code).toMatch(/labels\.get\('devpie\.io\/context'/);
    for (const o of dev.filter((x) => podSpec(x)))
      expect({
        workload: o.metadata.name,
        context: o.metadata.labels?.['devpie.io/context'],
      }).toEqual({ workload: o.metadata.name, context: expect.any(String) });
  });
});
