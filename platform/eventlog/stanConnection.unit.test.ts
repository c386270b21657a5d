import { loadConfig } from '../config';
import { stanServers } from './stanConnection';

describe('STAN_URL: one server, or every node of a cluster', () => {
  it('a single URL is the one server, as before', () => {
    expect(stanServers('nats://127.0.0.1:4223')).toEqual({
      first: 'nats://127.0.0.1:4223',
      others: [],
    });
    expect(loadConfig({ STAN_URL: 'nats://a:4222' }).stan.url).toBe('nats://a:4222');
    expect(loadConfig({}).stan.url).toBe('nats://127.0.0.1:4223');
  });

  it('a comma-separated list: the first is tried first, the others are the rest of the cluster', () => {
    const url = loadConfig({ STAN_URL: ' nats://a:4222, nats://b:4222 ,,nats://c:4222 ' }).stan.url;
    expect(url).toBe('nats://a:4222,nats://b:4222,nats://c:4222');
    expect(stanServers(url)).toEqual({
      first: 'nats://a:4222',
      others: ['nats://b:4222', 'nats://c:4222'],
    });
  });

  it('a list naming no server is refused at start', () => {
    expect(() => loadConfig({ STAN_URL: ' , ' })).toThrow(/server URL/);
  });
});
