import { subjectFor } from './migrateLog';

const root = 'p.user.event';

describe('where a copied message goes on JetStream', () => {
  it('puts each kind of entry on the subject the adapter writes it to', () => {
    const events = JSON.stringify({ events: [{ streamId: 'user-1' }] });
    expect(subjectFor(root, 'event', events)).toBe('p.user.event.a.user-1');
    const rejection = JSON.stringify({ rejection: { streamId: 'user-1' } });
    expect(subjectFor(root, 'event', rejection)).toBe('p.user.event.r.user-1');
    const fence = JSON.stringify({ fence: { id: 'f', by: 'x' } });
    expect(subjectFor(root, 'event', fence)).toBe('p.user.event.fence');
    expect(subjectFor('p.user.command', 'command', fence)).toBe('p.user.command.fence');
    const command = JSON.stringify({ id: 'c', streamId: 'user-a.b' });
    expect(subjectFor('p.user.process', 'process', command)).toBe('p.user.process.a.user-a%2Eb');
  });

  it('keeps what nobody could read, and parked records, on the entry subject', () => {
    expect(subjectFor(root, 'event', 'not json')).toBe('p.user.event.entry');
    expect(subjectFor(root, 'event', JSON.stringify({ events: [] }))).toBe('p.user.event.entry');
    expect(subjectFor('p.user.command', 'command', '[1]')).toBe('p.user.command.entry');
    const parked = JSON.stringify({ channel: 'p.user.command', streamId: 'user-1' });
    expect(subjectFor('p.user.parked', 'parked', parked)).toBe('p.user.parked.entry');
  });
});
