import { explainConnectionError, redactUrl, withDefaultUser } from './connectionHelp';

describe('a database URL without a user', () => {
  it('gets postgres when neither PGUSER nor USER says otherwise', () => {
    expect(withDefaultUser('postgres://127.0.0.1:5432/devpie', {})).toBe(
      'postgres://postgres@127.0.0.1:5432/devpie',
    );
  });

  it('keeps what the URL, PGUSER or USER name', () => {
    expect(withDefaultUser('postgres://ada:pw@db:5432/devpie', {})).toBe(
      'postgres://ada:pw@db:5432/devpie',
    );
    expect(withDefaultUser('postgres://db/devpie?user=ada', {})).toBe(
      'postgres://db/devpie?user=ada',
    );
    expect(withDefaultUser('postgres://db/devpie', { PGUSER: 'ada' })).toBe('postgres://db/devpie');
    expect(withDefaultUser('postgres://db/devpie', { USER: 'ada' })).toBe('postgres://db/devpie');
  });

  it('names the user as a parameter when the URL has no host to carry it (a Unix socket)', () => {
    expect(withDefaultUser('postgres:///devpie?host=/var/run/postgresql', {})).toBe(
      'postgres:///devpie?host=%2Fvar%2Frun%2Fpostgresql&user=postgres',
    );
  });

  it('leaves a string that is no URL to the library', () => {
    expect(withDefaultUser('host=db dbname=devpie', {})).toBe('host=db dbname=devpie');
  });
});

describe('why PostgreSQL refused, in one line', () => {
  const url = 'postgres://ada:secret@db.local:5433/devpie';
  const explain = (code: string, message = '') =>
    explainConnectionError(Object.assign(new Error(message), { code }), url);

  it.each([
    ['ECONNREFUSED', '', 'nothing accepts connections at db.local:5433', 'start PostgreSQL'],
    ['ENOTFOUND', '', 'host of db.local:5433 is not known', 'correct the host'],
    [
      '28P01',
      'password authentication failed',
      'password authentication failed for user "ada"',
      'right password',
    ],
    [
      '3D000',
      'database "devpie" does not exist',
      'database "devpie" does not exist',
      'createdb devpie',
    ],
    [
      '28000',
      'role "ada" does not exist',
      'user "ada" does not exist',
      'createuser --superuser ada',
    ],
    [
      '28000',
      'no PostgreSQL user name specified in startup packet',
      'no user name was given',
      'set PGUSER',
    ],
    ['28000', 'no pg_hba.conf entry for host', 'refused user "ada"', 'pg_hba.conf'],
  ])('%s %s', (code, message, what, fix) => {
    const line = explain(code, message);
    expect(line).toContain(what);
    expect(line).toContain(fix);
    expect(line).toContain('DATABASE_URL=postgres://ada:***@db.local:5433/devpie');
    expect(line).not.toContain('secret');
    expect(line).not.toContain('\n');
  });

  it('names the setting the URL came from', () => {
    const refused = Object.assign(new Error(''), { code: 'ECONNREFUSED' });
    expect(explainConnectionError(refused, url, 'TEST_DATABASE_URL')).toContain(
      'set TEST_DATABASE_URL to a server',
    );
  });

  it('says nothing of failures that are not about reaching the server', () => {
    expect(explain('23505', 'duplicate key')).toBeNull();
    expect(explainConnectionError(new Error('boom'), url)).toBeNull();
  });

  it('hides a password when it prints a URL', () => {
    expect(redactUrl('postgres://u:p@h/d')).toBe('postgres://u:***@h/d');
    expect(redactUrl('postgres://u@h/d')).toBe('postgres://u@h/d');
  });
});
