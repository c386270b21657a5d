import {
  aggregateSubject,
  checkSubjectPart,
  consumerName,
  rejectionSubject,
  streamName,
  subjectToken,
} from './jetstreamNames';

/** What NATS allows in one subject token and in a stream or consumer name. */
const validToken = (t: string) => t.length > 0 && !/[\s.*>]/.test(t);
const validName = (n: string) => n.length > 0 && !/[\s.*>/\\]/.test(n);

describe('JetStream names', () => {
  const hostile = [
    'user-1',
    'user-a.b',
    'user-a%2Eb',
    'user-*',
    'user->',
    'user-a b',
    'user-\t',
    'user-ü',
    'user-😀',
    'user-a_2Eb',
    'user-%',
  ];

  it('keeps an ordinary stream id as it is', () => {
    expect(subjectToken('user-1f3c5a9e-0b7d-4e0a-9d5c-2f1b8c7a6e5d')).toBe(
      'user-1f3c5a9e-0b7d-4e0a-9d5c-2f1b8c7a6e5d',
    );
  });

  it('makes every stream id one valid token, and no two ids the same token', () => {
    const tokens = hostile.map(subjectToken);
    expect(tokens.every(validToken)).toBe(true);
    expect(new Set(tokens).size).toBe(hostile.length);
  });

  it('gives an aggregate its own subjects for entries and rejections', () => {
    const root = 't1.user.event';
    expect(aggregateSubject(root, 'user-a.b')).toBe('t1.user.event.a.user-a%2Eb');
    expect(rejectionSubject(root, 'user-a.b')).toBe('t1.user.event.r.user-a%2Eb');
  });

  it('names one stream per channel, one to one', () => {
    expect(streamName('', 'user', 'event')).toBe('user_event');
    const names = [
      streamName('t1.', 'user', 'event'),
      streamName('t1_', 'user', 'event'),
      streamName('t1.', 'user', 'command'),
      streamName('t1.user_', 'event', 'event'),
      streamName('', 't1.user', 'event'),
    ];
    expect(names.every(validName)).toBe(true);
    // The last two are the same channel (prefix and category only ever appear joined).
    expect(new Set(names).size).toBe(4);
    expect(consumerName('user-component')).toBe('user-component');
    expect(validName(consumerName('a.b/c d'))).toBe(true);
  });

  it('refuses a prefix or category that would break the subjects', () => {
    expect(() => checkSubjectPart('t1.')).not.toThrow();
    for (const bad of ['a b', 'a*', 'a>', '.a', 'a..b'])
      expect(() => checkSubjectPart(bad)).toThrow();
  });
});
