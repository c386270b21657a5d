import { createHash } from 'node:crypto';

const NAMESPACE = Buffer.from('6d2f2a3c8b1e4f0a9c7d5e3b1a2f4c6d', 'hex');

/**
 * A name-based UUID (RFC 9562 version 5): the same name always gives the same id. Pure, so
 * deciders may derive ids (a project's default columns) and apps may make retries idempotent.
 */
export function nameId(...parts: string[]): string {
  const hash = createHash('sha1').update(NAMESPACE).update(parts.join('\u0000')).digest();
  hash.writeUInt8((hash.readUInt8(6) & 0x0f) | 0x50, 6);
  hash.writeUInt8((hash.readUInt8(8) & 0x3f) | 0x80, 8);
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
