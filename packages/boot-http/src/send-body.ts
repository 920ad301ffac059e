/**
 * The body of a file response: sendfile(2) when allowed and possible, the chunk-cache stream otherwise.
 * sendfile wins when few clients read a file (no copy at all); when many read the same file at once the
 * stream engine's shared chunks win (one read per MiB for all of them, from a buffer hot in the CPU cache:
 * 50 clients 1.28-1.49x nginx against sendfile's 0.92-1.07x, docs/boot-http.md), so a file with SHARE_AT
 * bodies already in flight streams.
 */
import type { ServerResponse } from 'node:http';
import { sendRange } from './send-range.js';
import { sendRangeSendfile } from './send-range-sendfile.js';

/** How response bodies are sent: 'sendfile' tries the zero-copy path first; 'stream' never does. */
export type BodyEngine = 'sendfile' | 'stream';

const SHARE_AT = 4;
/** Bodies in flight per file path. */
const inFlight = new Map<string, number>();

/** Sends bytes [start, end] of `path`; resolves with the engine that did it. */
export async function sendBody(
  res: ServerResponse,
  path: string,
  start: number,
  end: number,
  counter: { bytes: number },
  engine: BodyEngine,
): Promise<BodyEngine> {
  const readers = inFlight.get(path) ?? 0;
  inFlight.set(path, readers + 1);
  try {
    if (engine === 'sendfile' && readers < SHARE_AT) {
      if ((await sendRangeSendfile(res, path, start, end, counter)) === 'sent') return 'sendfile';
    }
    await sendRange(res, path, start, end, counter);
    return 'stream';
  } finally {
    const left = (inFlight.get(path) ?? 1) - 1;
    if (left > 0) inFlight.set(path, left);
    else inFlight.delete(path);
  }
}
