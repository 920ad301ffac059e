/** The body of a file response: sendfile(2) when allowed and possible, the chunk-cache stream otherwise. */
import type { ServerResponse } from 'node:http';
import { sendRange } from './send-range.js';
import { sendRangeSendfile } from './send-range-sendfile.js';

/** How response bodies are sent: 'sendfile' tries the zero-copy path first; 'stream' never does. */
export type BodyEngine = 'sendfile' | 'stream';

/** Sends bytes [start, end] of `path`; resolves with the engine that did it. */
export async function sendBody(
  res: ServerResponse,
  path: string,
  start: number,
  end: number,
  counter: { bytes: number },
  engine: BodyEngine,
): Promise<BodyEngine> {
  if (engine === 'sendfile' && (await sendRangeSendfile(res, path, start, end, counter)) === 'sent') return 'sendfile';
  await sendRange(res, path, start, end, counter);
  return 'stream';
}
