/**
 * netascii (RFC 764 as used by RFC 1350): LF -> CR LF, CR -> CR NUL on the wire, and back.
 * Stateful across chunks because a CR may end one chunk and its partner start the next.
 */

const CR = 0x0d;
const LF = 0x0a;
const NUL = 0x00;

/** Host text -> netascii. */
export class NetasciiEncoder {
  push(chunk: Buffer): Buffer {
    let extra = 0;
    for (const b of chunk) if (b === CR || b === LF) extra++;
    if (extra === 0) return chunk;
    const out = Buffer.allocUnsafe(chunk.length + extra);
    let o = 0;
    for (const b of chunk) {
      if (b === LF) {
        out[o++] = CR;
        out[o++] = LF;
      } else if (b === CR) {
        out[o++] = CR;
        out[o++] = NUL;
      } else {
        out[o++] = b;
      }
    }
    return out;
  }
}

/** netascii -> host text (for WRQ). A lone CR followed by anything else is kept as is. */
export class NetasciiDecoder {
  private pendingCr = false;

  push(chunk: Buffer): Buffer {
    const out = Buffer.allocUnsafe(chunk.length + 1);
    let o = 0;
    for (const b of chunk) {
      if (this.pendingCr) {
        this.pendingCr = false;
        if (b === LF) {
          out[o++] = LF;
          continue;
        }
        if (b === NUL) {
          out[o++] = CR;
          continue;
        }
        out[o++] = CR;
      }
      if (b === CR) this.pendingCr = true;
      else out[o++] = b;
    }
    return out.subarray(0, o);
  }

  /** Call at end of input: a trailing lone CR is emitted. */
  end(): Buffer {
    if (!this.pendingCr) return Buffer.alloc(0);
    this.pendingCr = false;
    return Buffer.from([CR]);
  }
}
