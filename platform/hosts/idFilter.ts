/**
 * A set of ids that answers "maybe" or "no", never "no" for an id it was given (a Bloom filter).
 * About 10 to 16 bits an id, for about one "maybe" in a hundred ids it was never given. It grows by
 * adding parts twice as large as the last, so no size need be known in advance; each part gets two
 * bits an id more than the one before, so that the "maybe"s of all parts together stay near one in
 * a hundred however many there are.
 */
export class IdFilter {
  private readonly parts: Part[] = [];
  private size = 0;

  constructor(private readonly firstCapacity = 64 * 1024) {}

  get count(): number {
    return this.size;
  }

  /** Bytes held: what the filter costs the process. */
  get bytes(): number {
    return this.parts.reduce((n, p) => n + p.bits.byteLength, 0);
  }

  add(id: string): void {
    let part = this.parts[this.parts.length - 1];
    if (!part || part.count >= part.capacity) {
      const n = this.parts.length;
      part = newPart(this.firstCapacity * 2 ** n, BITS_PER_ID + 2 * n);
      this.parts.push(part);
    }
    const [h1, h2] = hashes(id);
    for (let i = 0; i < HASHES; i++) {
      const bit = (h1 + Math.imul(i, h2)) >>> 0;
      const at = bit % part.size;
      const word = at >>> 5;
      part.bits[word] = (part.bits[word] ?? 0) | (1 << (at & 31));
    }
    part.count++;
    this.size++;
  }

  mightHave(id: string): boolean {
    const [h1, h2] = hashes(id);
    return this.parts.some((part) => {
      for (let i = 0; i < HASHES; i++) {
        const at = ((h1 + Math.imul(i, h2)) >>> 0) % part.size;
        if (((part.bits[at >>> 5] ?? 0) & (1 << (at & 31))) === 0) return false;
      }
      return true;
    });
  }
}

interface Part {
  bits: Uint32Array;
  /** In bits. */
  size: number;
  capacity: number;
  count: number;
}

const BITS_PER_ID = 10;
const HASHES = 7;

function newPart(capacity: number, bitsPerId: number): Part {
  const words = Math.ceil((capacity * bitsPerId) / 32);
  return { bits: new Uint32Array(words), size: words * 32, capacity, count: 0 };
}

/** Two independent 32-bit FNV-1a hashes of the id's characters (different offsets and primes). */
function hashes(id: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  // A final mix, so ids that differ only in their last characters still spread over every bit.
  a ^= a >>> 15;
  a = Math.imul(a, 0x2c1b3c6d);
  a ^= a >>> 12;
  b ^= b >>> 13;
  b = Math.imul(b, 0x297a2d39);
  b ^= b >>> 15;
  return [a >>> 0, (b | 1) >>> 0];
}
