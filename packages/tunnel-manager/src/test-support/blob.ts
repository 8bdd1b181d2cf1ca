import { createHash } from 'node:crypto';

/** Deterministic test content: 64 KiB chunks of xorshift output, chunk i starting with i. */
export const CHUNK = 65536;

const base = (() => {
  const b = Buffer.alloc(CHUNK);
  let x = 0x9e3779b9;
  for (let i = 0; i < CHUNK; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b.writeUInt32LE(x >>> 0, i);
  }
  return b;
})();

export function blobChunk(i: number, size = CHUNK): Buffer {
  const c = Buffer.from(base.subarray(0, size));
  c.writeUInt32BE(i >>> 0, 0);
  return c;
}

export function* blobChunks(bytes: number): Generator<Buffer> {
  for (let i = 0, left = bytes; left > 0; i++, left -= CHUNK) yield blobChunk(i, Math.min(CHUNK, left));
}

export function blobSha256(bytes: number): string {
  const h = createHash('sha256');
  for (const c of blobChunks(bytes)) h.update(c);
  return h.digest('hex');
}
