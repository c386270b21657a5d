// Checks Kubernetes objects against the API schemas of the `kubernetes-models` package, twice:
//  - its JSON Schema validators (types, required fields, formats);
//  - its TypeScript types, with the compiler's excess-property check, which catches what the JSON
//    Schemas let through: a misspelt field (`readinesProbe:`) that the API server would drop or,
//    with kubectl's strict field validation, refuse.
import { join } from 'node:path';
import ts from 'typescript';
import type { K8sObject } from './objects';

export interface Problem {
  label: string;
  message: string;
}

const modulePath = (o: K8sObject): string => `kubernetes-models/${o.apiVersion}/${o.kind}`;

/** JSON Schema validation; unknown kinds are problems too (typos in apiVersion or kind). */
export function validateWithSchemas(objects: { label: string; object: K8sObject }[]): Problem[] {
  const problems: Problem[] = [];
  for (const { label, object } of objects) {
    let Model: new (data: unknown) => { validate(): void };
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module is named by each object's apiVersion and kind, and the check is synchronous
      const models = require(modulePath(object)) as Partial<
        Record<string, new (data: unknown) => { validate(): void }>
      >;
      const found = models[object.kind];
      if (!found) throw new Error('no such model');
      Model = found;
    } catch {
      problems.push({
        label,
        message: `unknown apiVersion/kind ${object.apiVersion} ${object.kind}`,
      });
      continue;
    }
    try {
      new Model(object).validate();
    } catch (err) {
      problems.push({ label, message: (err as Error).message });
    }
  }
  return problems;
}

/** Type-checks every object as an object literal of its API type; reports unknown fields and wrong types. */
export function typeCheck(
  repo: string,
  objects: { label: string; object: K8sObject }[],
): Problem[] {
  const file = join(repo, 'deploy', '__k8s_objects__.ts');
  const lines: string[] = [];
  const lineLabel: string[] = [];
  objects.forEach(({ label, object }, i) => {
    lines.push(`import type { I${object.kind} as T${i} } from '${modulePath(object)}';`);
    lineLabel.push(label);
  });
  const firstObjectLine = lines.length;
  objects.forEach(({ object }, i) =>
    lines.push(`export const m${i}: T${i} = ${JSON.stringify(object)};`),
  );
  const source = lines.join('\n');

  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2020,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) =>
    name === file ? ts.createSourceFile(name, source, lang) : getSourceFile(name, lang, ...rest);
  host.fileExists = (name) => name === file || fileExists(name);
  host.readFile = (name) => (name === file ? source : readFile(name));
  const program = ts.createProgram([file], options, host);
  const sf = program.getSourceFile(file);
  if (!sf) throw new Error(`the program has no ${file}, which its host serves`);
  return ts.getPreEmitDiagnostics(program, sf).map((d) => {
    const line = d.start === undefined ? -1 : sf.getLineAndCharacterOfPosition(d.start).line;
    const index = line >= firstObjectLine ? line - firstObjectLine : line;
    const near =
      d.start === undefined
        ? ''
        : ` (near ${source.slice(Math.max(0, d.start - 40), d.start + 40).replace(/\s+/g, ' ')})`;
    return {
      label: lineLabel[index] ?? 'imports',
      message: ts.flattenDiagnosticMessageText(d.messageText, '\n') + near,
    };
  });
}
