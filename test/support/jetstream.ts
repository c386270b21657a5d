import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { TEST_NATS } from './env';

/**
 * What a test prefix holds on the JetStream server, asked of the server itself (not through the
 * adapter): each stream under the prefix, with its entries other than fences. A reader's `head`
 * writes fences, so fences alone prove nothing was written there by the roles.
 */
export async function jetStreamEntries(prefix: string): Promise<Record<string, number>> {
  const nc = await connect({ servers: TEST_NATS.url });
  try {
    const jsm = await jetstreamManager(nc);
    const found: Record<string, number> = {};
    for await (const name of jsm.streams.names(`${prefix}>`)) {
      const info = await jsm.streams.info(name, { subjects_filter: '>' });
      found[name] = Object.entries(info.state.subjects ?? {})
        .filter(([subject]) => !subject.endsWith('.fence'))
        .reduce((sum, [, n]) => sum + n, 0);
    }
    return found;
  } finally {
    await nc.close();
  }
}

/** Deletes every stream under a test prefix, so test runs leave nothing on the server. */
export async function deleteJetStreams(prefix: string): Promise<number> {
  const nc = await connect({ servers: TEST_NATS.url });
  try {
    const jsm = await jetstreamManager(nc);
    let deleted = 0;
    for await (const name of jsm.streams.names(`${prefix}>`)) {
      await jsm.streams.delete(name);
      deleted++;
    }
    return deleted;
  } finally {
    await nc.close();
  }
}
