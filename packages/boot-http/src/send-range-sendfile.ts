/**
 * Send bytes [start, end] of a file with sendfile(2): the kernel moves the pages from the page cache to the
 * socket and no byte passes through JS (send-range.ts copies each one twice: file -> buffer -> socket).
 * Node writes the headers; once they are in the kernel, the body goes straight to the socket's fd, and
 * res.end() gives the socket back to Node's HTTP machinery (keep-alive, the next pipelined request).
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
 * Most bytes one send() may move before the loop yields to other connections: a client that reads as fast
 * as we send never fills its socket, and without this cap would hold the event loop for the whole file
 * (nginx's sendfile_max_chunk is 2m for the same reason).
 */
const MAX_CALL = 4 * 1024 * 1024;
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
  const onClose = () => {
    closed = true;
    if (token !== undefined) native.cancelWait(token);
    token = undefined;
    wake();
  };
  res.once('close', onClose);
  try {
    res.flushHeaders();
    await flushed(socket, gone);
    let pos = start;
    let sent = 0;
    while (pos <= end) {
      if (closed || !stillOurs(socket, fd)) return 'sent'; // client gone: 'close' ends the response
      const want = Math.min(end - pos + 1, MAX_CALL);
      let n: number;
      try {
        n = native.send(fd, fh.fd, pos, want);
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        if (sent === 0 && code !== 'EOF' && !CONNECTION_GONE.has(code)) return 'fallback';
        res.destroy();
        return 'sent';
      }
      pos += n;
      sent += n;
      counter.bytes += n;
      if (n === want) {
        // the whole slice fitted: let other connections' callbacks run, then go on
        await Promise.race([new Promise<void>((resolve) => setImmediate(resolve)), gone]);
      } else {
        let ready: () => void = () => undefined;
        const writable = new Promise<void>((resolve) => {
          ready = resolve;
        });
        try {
          token = native.waitWritable(fd, () => {
            token = undefined;
            ready();
          });
        } catch {
          if (sent === 0) return 'fallback';
          res.destroy();
          return 'sent';
        }
        await Promise.race([writable, gone]);
      }
    }
    if (!closed) res.end();
    return 'sent';
  } finally {
    res.off('close', onClose);
    if (token !== undefined) native.cancelWait(token);
    await fh.close();
  }
}
