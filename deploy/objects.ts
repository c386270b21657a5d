// Reading built Kubernetes objects: their identity, their pod template, their containers' images.
// Kept apart from deploy/kustomize.ts, which only builds them.

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

type JsonObject = { [k: string]: unknown };

export const objectId = (o: K8sObject): string =>
  `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/** The pod spec of a workload's pod template (or of a bare Pod). */
export function podSpec(o: K8sObject): JsonObject | undefined {
  const spec = o.spec as JsonObject | undefined;
  if (!spec) return undefined;
  if (o.kind === 'Pod') return spec;
  if (o.kind === 'CronJob') {
    const job = (spec.jobTemplate as JsonObject | undefined)?.spec as JsonObject | undefined;
    return (job?.template as JsonObject | undefined)?.spec as JsonObject | undefined;
  }
  return (spec.template as JsonObject | undefined)?.spec as JsonObject | undefined;
}

/** Every container of a workload, init containers first. */
export function containers(o: K8sObject): JsonObject[] {
  const spec = podSpec(o);
  if (!spec) return [];
  return [
    ...((spec.initContainers as JsonObject[] | undefined) ?? []),
    ...((spec.containers as JsonObject[] | undefined) ?? []),
  ];
}

/** `registry[:port]/name[:tag][@digest]` split; kustomize's `images:` entries match the name. */
export function parseImage(image: string): { name: string; tag?: string; digest?: string } {
  const [ref, digest] = image.split('@') as [string, string | undefined];
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { name: ref.slice(0, colon), tag: ref.slice(colon + 1), digest };
  return { name: ref, digest };
}
