import { type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** What node's parser refused, as a front end needs it to word its own error. */
export interface ParserRefusal {
  status: number;
  /** node's error code (HPE_INVALID_METHOD, HPE_INVALID_HEADER_TOKEN, ...). */
  code: string;
  /** A sentence for the client; it never quotes the request's bytes. */
  message: string;
}

export interface ErrorPayload {
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

/**
 * The answer for an error code of node's HTTP parser. An unknown method is 501 (RFC 9110 9.1 and DSP0266 both
 * allow 405 or 501; 405 would need an `Allow` for a resource we never got to route), an oversized header block
 * 431, an idle request 408, anything else malformed 400.
 */
export function refusalOf(code: string | undefined): ParserRefusal {
  const c = code ?? 'HPE_UNKNOWN';
  if (c === 'HPE_INVALID_METHOD')
    return { status: 501, code: c, message: 'The HTTP method is not supported by this service.' };
  if (c === 'HPE_HEADER_OVERFLOW')
    return { status: 431, code: c, message: 'The request line and headers are larger than this service accepts.' };
  if (c === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, code: c, message: 'The request did not arrive in time.' };
  if (c === 'HPE_INVALID_CONTENT_LENGTH' || c === 'HPE_UNEXPECTED_CONTENT_LENGTH')
    return { status: 400, code: c, message: 'The Content-Length header is not a valid length.' };
  if (c === 'HPE_INVALID_HEADER_TOKEN')
    return { status: 400, code: c, message: 'A request header contains characters HTTP does not allow.' };
  return { status: 400, code: c, message: 'The request is not valid HTTP/1.1.' };
}

/** The raw HTTP/1.1 answer written on the socket (the parser gave up, so there is no ServerResponse). */
export function rawAnswer(status: number, p: ErrorPayload): string {
  const body = Buffer.from(p.body);
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`];
  for (const [k, v] of Object.entries(p.headers ?? {})) lines.push(`${k}: ${v.replace(/[\r\n]/g, ' ')}`);
  lines.push(`Content-Type: ${p.contentType}`, `Content-Length: ${body.length}`, 'Connection: close', '', '');
  return lines.join('\r\n') + body.toString('latin1');
}

/**
 * Replaces node's bare `400` (empty body) for requests its parser refuses with the front end's own error form.
 * The socket is closed after the answer: after a parse error the byte stream cannot be trusted.
 */
export function answerParserErrors(server: Server, format: (r: ParserRefusal) => ErrorPayload): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const refusal = refusalOf(err.code);
    let text: string;
    try {
      text = rawAnswer(refusal.status, format(refusal));
    } catch {
      text = rawAnswer(refusal.status, { contentType: 'text/plain; charset=utf-8', body: `${refusal.message}\n` });
    }
    socket.end(text, 'latin1');
    socket.once('finish', () => socket.destroy());
  });
}
