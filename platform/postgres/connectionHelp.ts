/**
 * A database URL that names no user leaves the choice to the client library: PGUSER, then USER.
 * Containers and CI often have neither, and the server then refuses with "no PostgreSQL user name
 * specified", which names no setting to change. `postgres`, the superuser every installation
 * (and the embedded one) has, is the sensible default.
 */
export function withDefaultUser(url: string, env: NodeJS.ProcessEnv = process.env): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url; // not a URL (a keyword string, say): the library reads it as it is
  }
  if (parsed.username !== '' || parsed.searchParams.has('user')) return url;
  if (env.PGUSER || env.USER) return url;
  // A URL without a host (a Unix socket given by ?host=) cannot hold a user name.
  if (parsed.host === '') parsed.searchParams.set('user', 'postgres');
  else parsed.username = 'postgres';
  return parsed.href;
}

/** The URL as it can be printed: its password replaced. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.href;
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

function describeUrl(url: string): { user: string; host: string; database: string } {
  try {
    const parsed = new URL(url);
    return {
      user: decodeURIComponent(parsed.username) || parsed.searchParams.get('user') || '(none)',
      host: parsed.host || parsed.searchParams.get('host') || 'localhost',
      database: decodeURIComponent(parsed.pathname.slice(1)) || '(default)',
    };
  } catch {
    return { user: '?', host: '?', database: '?' };
  }
}

/**
 * One line that says why PostgreSQL could not be used and what to change, or null when the
 * failure is not about reaching or entering the server (a bad statement, say). `setting` names
 * the variable the URL came from, so the fix names it too.
 */
export function explainConnectionError(
  err: unknown,
  url: string,
  setting = 'DATABASE_URL',
): string | null {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  const { user, host, database } = describeUrl(url);
  const where = `${setting}=${redactUrl(url)}`;
  const line = (what: string, fix: string) => `PostgreSQL: ${what} (${where}); ${fix}`;
  if (code === 'ECONNREFUSED')
    return line(
      `nothing accepts connections at ${host}`,
      `start PostgreSQL there, or set ${setting} to a server that runs`,
    );
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return line(`the host of ${host} is not known`, `correct the host in ${setting}`);
  if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || /timeout/i.test(message))
    return line(
      `no answer from ${host}`,
      `check that the server runs and that nothing (a firewall) blocks its port`,
    );
  if (code === '28P01')
    return line(
      `password authentication failed for user "${user}"`,
      `put the right password in ${setting} (postgres://user:password@host:port/database)`,
    );
  if (code === '3D000')
    return line(
      `database "${database}" does not exist`,
      `create it (createdb ${database}, or \`npm start\`, which creates it), or name another in ${setting}`,
    );
  if (code === '28000' && /no PostgreSQL user name specified/i.test(message))
    return line(
      'no user name was given',
      `name one in ${setting} (postgres://postgres@host:port/database) or set PGUSER`,
    );
  if (code === '28000' && /role .* does not exist/i.test(message))
    return line(
      `user "${user}" does not exist on the server`,
      `create it (createuser --superuser ${user}) or name another user in ${setting}`,
    );
  if (code === '28000')
    return line(
      `the server refused user "${user}": ${message}`,
      `allow it in pg_hba.conf or name another user in ${setting}`,
    );
  return null;
}
