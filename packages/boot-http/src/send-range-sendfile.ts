/**
 * Send bytes [start, end] of a file with sendfile(2): the kernel moves the pages from the page cache to the
 * socket and no byte passes through JS (send-range.ts copies each one twice: file -> buffer -> socket).
 * Node writes the headers; once they are in the kernel, the first slice of the body goes straight to the
 * socket's fd from here, the rest from the addon's pump (one sendfile per writable event, no JS per chunk),
 * and res.end() gives the socket back to Node's HTTP machinery (keep-alive, the next pipelined request).
 *
 * Result 'fallback' means no body byte was sent and the caller should stream instead: the socket has no
 * usable fd (TLS, a pipelined response still queued, no _handle), or sendfile refused this file before
 * the first byte (a file system without it). A failure after the first byte destroys the socket: the
 * client sees a cut connection, never a short 200.
 */
import { open } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { type SendfileBinding, sendfileBinding } from './sendfile-native.js';

/**
 * Most bytes one sendfile(2) call may move before the loop turns to other connections: a client that reads
 * as fast as we send never fills its socket, and without this cap would hold the event loop for the whole
 * file (nginx's sendfile_max_chunk is 2m for the same reason). 2 MiB also measured better than 4 when the
 * server is the bottleneck (one client on a fast loopback: 0.92-0.97x nginx vs 0.80-0.92x, less CPU per GiB;
 * no difference when the client is the bottleneck; docs/boot-http.md).
 */
export const SENDFILE_CHUNK = 2 * 1024 * 1024;
/** Errors that mean the client is gone: no point streaming instead. */
const CONNECTION_GONE = new Set(['EPIPE', 'ECONNRESET', 'ENOTCONN', 'ETIMEDOUT']);

/** The fd of the socket behind `res`, when the body may be written to it directly. */
function plainSocketFd(res: ServerResponse): { socket: Socket; fd: number } | undefined {
  const socket = res.socket;
  if (!socket || socket.destroyed || 'encrypted' in socket) return undefined; // TLS: bytes must go through OpenSSL
  const internals = socket as unknown as { _httpMessage?: unknown; _handle?: { fd?: unknown } | null };
  if (internals._httpMessage !== res) return undefined; // another response still owns the socket
  const fd = internals._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? { socket, fd } : undefined;
}

/** True while `fd` is still the descriptor of `socket` (Node drops `_handle` when it closes it). */
function stillOurs(socket: Socket, fd: number): boolean {
  const handle = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle;
  return !socket.destroyed && handle?.fd === fd;
}

/** Resolves once every byte queued on the socket so far (our headers) has been handed to the kernel. */
function flushed(socket: Socket, gone: Promise<void>): Promise<void> {
  if (socket.writableLength === 0 && !socket.writableCorked) {
    const queued = (socket as unknown as { _handle?: { writeQueueSize?: number } | null })._handle?.writeQueueSize;
    if (queued === 0) return Promise.resolve();
  }
  // writes complete in order: the callback of an empty write runs after every earlier one completed
  return Promise.race([new Promise<void>((resolve) => socket.write(Buffer.alloc(0), () => resolve())), gone]);
}

export async function sendRangeSendfile(
  res: ServerResponse,
  path: string,
  start: number,
  end: number,
  counter: { bytes: number },
  native: SendfileBinding | undefined = sendfileBinding(),
): Promise<'sent' | 'fallback'> {
  const target = plainSocketFd(res);
  if (!native || !target) return 'fallback';
  const { socket, fd } = target;
  const fh = await open(path, 'r');
  let token: number | undefined;
  let closed = false;
  let wake: () => void = () => undefined;
  const gone = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const stopPump = () => {
    if (token === undefined) return;
    const sent = native.cancel(token);
    token = undefined;
    if (sent > 0) counter.bytes += sent;
  };
  const onClose = () => {
    closed = true;
    stopPump(); // closes the addon's dup of the socket now, so a destroyed connection is released at once
    wake();
  };
  res.once('close', onClose);
  try {
    res.flushHeaders();
    await flushed(socket, gone);
    if (closed || !stillOurs(socket, fd)) return 'sent'; // client gone: 'close' ends the response
    const length = end - start + 1;
    // the first slice goes from JS, so a file sendfile refuses can still be streamed instead
    let first: number;
    try {
      first = native.send(fd, fh.fd, start, Math.min(length, SENDFILE_CHUNK));
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (code !== 'EOF' && !CONNECTION_GONE.has(code)) return 'fallback';
      res.destroy();
      return 'sent';
    }
    counter.bytes += first;
    if (first < length) {
      const outcome = await new Promise<'done' | 'failed' | 'gone'>((resolve) => {
        void gone.then(() => resolve('gone'));
        try {
          token = native.pump(fd, fh.fd, start + first, length - first, SENDFILE_CHUNK, (err, sent) => {
            token = undefined;
            counter.bytes += sent;
            resolve(err ? 'failed' : 'done');
          });
        } catch {
          resolve('failed');
        }
      });
      // a failure after the first byte cuts the connection: the client must not take a short body as whole
      if (outcome === 'failed') res.destroy();
      if (outcome !== 'done') return 'sent';
    }
    if (!closed) res.end();
    return 'sent';
  } finally {
    res.off('close', onClose);
    stopPump();
    await fh.close();
  }
}
