import { loadConfig } from '../config';

describe('choosing the event log', () => {
  it('stays on NATS Streaming unless told otherwise', () => {
    expect(loadConfig({}).eventLog).toBe('stan');
    expect(loadConfig({ EVENT_LOG: '' }).eventLog).toBe('stan');
    expect(loadConfig({ EVENT_LOG: 'stan' }).eventLog).toBe('stan');
  });

  it('takes JetStream and its servers', () => {
    const config = loadConfig({
      EVENT_LOG: ' JetStream ',
      NATS_URL: 'nats://a:4222, nats://b:4222',
    });
    expect(config.eventLog).toBe('jetstream');
    expect(config.nats.url).toBe('nats://a:4222,nats://b:4222');
    expect(loadConfig({}).nats.url).toBe('nats://127.0.0.1:4222');
    expect(config.nats.streamReplicas).toBe(1);
    expect(loadConfig({ NATS_STREAM_REPLICAS: '3' }).nats.streamReplicas).toBe(3);
  });

  it('refuses anything else in one line that says what it takes', () => {
    expect(() => loadConfig({ EVENT_LOG: 'kafka' })).toThrow(
      /^EVENT_LOG must be "stan" or "jetstream", got "kafka"$/,
    );
    expect(() => loadConfig({ EVENT_LOG: 'jetstream', NATS_URL: ' , ' })).toThrow(
      /expected one or more server URLs/,
    );
    for (const replicas of ['2', '0', '7', 'three'])
      expect(() => loadConfig({ NATS_STREAM_REPLICAS: replicas })).toThrow(
        /NATS_STREAM_REPLICAS|whole number/,
      );
  });

  it('runs components lease-free only on a log that checks appends itself', () => {
    expect(loadConfig({}).component.writers).toBe('lease');
    expect(loadConfig({ EVENT_LOG: 'jetstream' }).component.writers).toBe('lease');
    expect(
      loadConfig({ EVENT_LOG: 'jetstream', COMPONENT_WRITERS: 'shared' }).component.writers,
    ).toBe('shared');
    expect(() => loadConfig({ COMPONENT_WRITERS: 'shared' })).toThrow(
      /^COMPONENT_WRITERS=shared needs EVENT_LOG=jetstream$/,
    );
    expect(() => loadConfig({ EVENT_LOG: 'jetstream', COMPONENT_WRITERS: 'many' })).toThrow(
      /^COMPONENT_WRITERS must be "lease" or "shared", got "many"$/,
    );
  });
});
