import type { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { msToTs } from '@temporalio/common/lib/time';

/** A search attribute as the code declares it (defineSearchAttributeKey gives one). */
export interface SearchAttributeDeclaration {
  name: string;
  type: SearchAttributeType;
}

/** The API's IndexedValueType numbers for the SDK's type names. */
const INDEXED_VALUE_TYPE = {
  TEXT: 1,
  KEYWORD: 2,
  INT: 3,
  DOUBLE: 4,
  BOOL: 5,
  DATETIME: 6,
  KEYWORD_LIST: 7,
} as const satisfies Record<SearchAttributeType, number>;

const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;
const grpcCode = (err: unknown): number | undefined => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
};

export interface EnsureReport {
  namespace: string;
  created: boolean;
  addedSearchAttributes: string[];
}

/**
 * Makes each namespace exist with the given search attributes, whatever server it is and
 * whoever started it: a dev server started by `npm start` knows only its own namespaces, one
 * started by `npm test` only the test's. Idempotent: what exists is left as it is.
 */
export async function ensureNamespaces(
  connection: Connection,
  namespaces: string[],
  searchAttributes: SearchAttributeDeclaration[],
  timeoutMs = 60_000,
): Promise<EnsureReport[]> {
  const reports: EnsureReport[] = [];
  for (const namespace of namespaces) {
    const created = await ensureNamespace(connection, namespace);
    const addedSearchAttributes = await ensureSearchAttributes(
      connection,
      namespace,
      searchAttributes,
      Date.now() + timeoutMs,
    );
    reports.push({ namespace, created, addedSearchAttributes });
  }
  return reports;
}

async function ensureNamespace(connection: Connection, namespace: string): Promise<boolean> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return false;
  } catch (err) {
    if (grpcCode(err) !== NOT_FOUND) throw err;
  }
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      // What the dev server gives the namespaces it is started with.
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    return true;
  } catch (err) {
    // Another `npm start` or `npm test` made it meanwhile.
    if (grpcCode(err) === ALREADY_EXISTS) return false;
    throw err;
  }
}

async function ensureSearchAttributes(
  connection: Connection,
  namespace: string,
  wanted: SearchAttributeDeclaration[],
  deadline: number,
): Promise<string[]> {
  for (;;) {
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({
        namespace,
      });
      const missing = wanted.filter(({ name }) => !(name in customAttributes));
      if (missing.length === 0) return [];
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(
          missing.map(({ name, type }) => [name, INDEXED_VALUE_TYPE[type]]),
        ),
      });
      return missing.map(({ name }) => name);
    } catch (err) {
      // A namespace just registered is unknown to the server's cache for a few seconds.
      if (grpcCode(err) !== NOT_FOUND || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
