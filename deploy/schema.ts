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
      Model = (
        require(modulePath(object)) as Record<string, new (data: unknown) => { validate(): void }>
      )[object.kind]!;
      if (!Model) throw new Error('no such model');
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
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, lang, ...rest) =>
    name === file
      ? ts.createSourceFile(name, source, lang)
      : getSourceFile.call(host, name, lang, ...rest);
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? source : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);
  const sf = program.getSourceFile(file)!;
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
