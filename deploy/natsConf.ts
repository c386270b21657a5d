// Reads a nats-server configuration file (the format of k8s/overlays/prod-jetstream/nats.conf), so
// the deploy checks can compare what the server is told with the manifests around it. Enough of
// the format for that: `#` and `//` comments, `key: value`, `key = value` and `key value`, blocks
// `{ }`, arrays `[ ]` split by newlines or commas, quoted strings. Values stay strings (`45G`,
// `$POD_NAME`, `always`); `include` is refused, as the file is checked alone.

export type NatsConfValue = string | NatsConfValue[] | NatsConf;
export interface NatsConf {
  [key: string]: NatsConfValue;
}

type Token = { kind: 'word' | 'punct'; text: string; line: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (c === '\n') {
      tokens.push({ kind: 'punct', text: '\n', line });
      line++;
      i++;
    } else if (/\s/.test(c)) i++;
    else if (c === '#' || (c === '/' && text[i + 1] === '/')) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if ('{}[],:='.includes(c)) {
      tokens.push({ kind: 'punct', text: c, line });
      i++;
    } else if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new Error(`line ${line}: unterminated string`);
      tokens.push({ kind: 'word', text: text.slice(i + 1, end), line });
      i = end + 1;
    } else {
      let j = i;
      while (j < text.length && !/[\s{}[\],:=#]/.test(text.charAt(j))) j++;
      // `nats://host:6222`: a colon followed by no space belongs to the word.
      while (text[j] === ':' && j + 1 < text.length && !/\s/.test(text.charAt(j + 1))) {
        j++;
        while (j < text.length && !/[\s{}[\],=#]/.test(text.charAt(j))) j++;
      }
      tokens.push({ kind: 'word', text: text.slice(i, j), line });
      i = j;
    }
  }
  return tokens;
}

/** Parses a configuration; a syntax error, a repeated key or an `include` throws. */
export function parseNatsConf(text: string): NatsConf {
  const tokens = tokenize(text);
  let at = 0;
  const peek = () => tokens[at];
  const skipNewlines = () => {
    while (peek()?.text === '\n') at++;
  };
  const fail = (what: string): never => {
    const t = peek();
    throw new Error(
      `nats conf line ${t?.line ?? 'end'}: ${what}, found ${JSON.stringify(t?.text)}`,
    );
  };

  function value(): NatsConfValue {
    const t = peek() ?? fail('a value expected');
    if (t.text === '{') {
      at++;
      const block = body('}');
      at++;
      return block;
    }
    if (t.text === '[') {
      at++;
      const items: NatsConfValue[] = [];
      for (;;) {
        while (peek()?.text === '\n' || peek()?.text === ',') at++;
        if (peek()?.text === ']') break;
        items.push(value());
      }
      at++;
      return items;
    }
    if (t.kind !== 'word') fail('a value expected');
    at++;
    return t.text;
  }

  function body(close: string | undefined): NatsConf {
    const out: NatsConf = {};
    for (;;) {
      while (peek()?.text === '\n' || peek()?.text === ',') at++;
      const t = peek();
      if (t === undefined) {
        if (close) fail(`"${close}" expected`);
        return out;
      }
      if (t.text === close) return out;
      if (t.kind !== 'word') fail('a key expected');
      if (t.text === 'include') fail('include is not supported here');
      at++;
      if (peek()?.text === ':' || peek()?.text === '=') at++;
      if (t.text in out) fail(`"${t.text}" given twice`);
      out[t.text] = value();
      skipNewlines();
    }
  }

  return body(undefined);
}

/** The string value of a key of a block: its setting, or an error saying which is missing. */
export function natsString(block: NatsConfValue | undefined, key: string): string {
  const value = typeof block === 'object' && !Array.isArray(block) ? block[key] : undefined;
  if (typeof value !== 'string') throw new Error(`nats conf: no value for ${key}`);
  return value;
}

/** A duration as nats-server reads one (`30s`, `2m`, `500ms`), in milliseconds. */
export function natsDurationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

/**
 * A size as nats-server reads one (`45G`, `1GB`, `512M`), in bytes, at most: the server takes a
 * bare letter as a power of 1000 in some versions and of 1024 in others, so the larger is used.
 */
export function natsSizeAtMost(text: string): number {
  const m = /^(\d+)\s*([KMGT])?(?:I?B)?$/i.exec(text);
  if (!m) throw new Error(`not a size: ${text}`);
  const power = m[2] ? 'KMGT'.indexOf(m[2].toUpperCase()) + 1 : 0;
  return Number(m[1]) * 1024 ** power;
}

/** A Kubernetes quantity of bytes (`50Gi`, `500M`), in bytes. */
export function quantityBytes(text: string): number {
  const m = /^(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(text);
  if (!m) throw new Error(`not a byte quantity: ${text}`);
  const unit = m[2] ?? '';
  const base = unit.endsWith('i') ? 1024 : 1000;
  const power = unit ? 'KMGT'.indexOf(unit.charAt(0).toUpperCase()) + 1 : 0;
  return Number(m[1]) * base ** power;
}
