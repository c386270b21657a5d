// A small Dockerfile reader for the image checks: instructions grouped by stage, with line
// continuations joined and heredoc bodies attached to their instruction.
export interface Instruction {
  keyword: string;
  args: string;
  heredoc?: string;
}

export interface Stage {
  name: string | undefined;
  from: string;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const lines = text.split('\n');
  // Asked only for lines before the end.
  const lineAt = (n: number): string => {
    const line = lines[n];
    if (line === undefined) throw new Error(`Dockerfile: no line ${n + 1}`);
    return line;
  };
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (let i = 0; i < lines.length; i++) {
    let line = lineAt(i);
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) {
      line = line.slice(0, -1) + ' ' + lineAt(++i).trim();
    }
    const [, keyword, args] = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line) ?? [];
    if (keyword === undefined || args === undefined)
      throw new Error(`Dockerfile line ${i + 1}: cannot read "${line}"`);
    const instruction: Instruction = { keyword: keyword.toUpperCase(), args: args.trim() };
    const here = /<<-?'?"?(\w+)'?"?/.exec(instruction.args);
    if (here) {
      const body: string[] = [];
      while (++i < lines.length && lines[i] !== here[1]) body.push(lineAt(i));
      if (i >= lines.length) throw new Error(`Dockerfile: heredoc ${here[1]} is not closed`);
      instruction.heredoc = body.join('\n');
    }
    const stage = stages[stages.length - 1];
    if (instruction.keyword === 'FROM') {
      const from = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!from?.[1]) throw new Error(`Dockerfile: cannot read FROM ${instruction.args}`);
      stages.push({ from: from[1], name: from[2], instructions: [] });
    } else if (!stage) {
      if (instruction.keyword !== 'ARG')
        throw new Error(`Dockerfile: ${instruction.keyword} before the first FROM`);
      const [k, v = ''] = instruction.args.split('=');
      if (k === undefined) throw new Error('split returns at least one part');
      globalArgs[k] = v;
    } else stage.instructions.push(instruction);
  }
  return { args: globalArgs, stages };
}

/** `FROM ${NODE_IMAGE}` with the global ARG's default substituted. */
export const resolveFrom = (from: string, args: Record<string, string>): string =>
  from.replace(/\$\{?(\w+)\}?/g, (_, k: string) => args[k] ?? '');

/** A JSON-form instruction (`ENTRYPOINT ["node", "x"]`) as its array. */
export function execForm(args: string): string[] {
  const parsed = JSON.parse(args) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string'))
    throw new Error(`not an exec form: ${args}`);
  return parsed;
}

/** A Dockerfile or .dockerignore glob as a RegExp over a whole path: `*` and `?` stay within a folder, `**` crosses folders. */
export const globToRegExp = (glob: string): RegExp =>
  new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*\*\/?|\*|\?/g, (m) => (m === '*' ? '[^/]*' : m === '?' ? '[^/]' : '(?:.*/)?'))}$`,
  );

/**
 * `.dockerignore` as Docker reads it: a pattern matches a path or a folder above it, the last
 * pattern that matches decides, and `!` brings a path back into the build context.
 */
export function dockerignore(text: string): {
  patterns: string[];
  excludes(path: string): boolean;
} {
  const patterns = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const rules = patterns.map((p) => ({
    exclude: !p.startsWith('!'),
    re: globToRegExp(p.replace(/^!/, '').replace(/^\/+|\/+$/g, '')),
  }));
  return {
    patterns,
    excludes(path: string): boolean {
      const prefixes = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
      let excluded = false;
      for (const r of rules) if (prefixes.some((p) => r.re.test(p))) excluded = r.exclude;
      return excluded;
    },
  };
}
