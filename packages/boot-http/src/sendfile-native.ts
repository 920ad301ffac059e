/** The sendfile native addon (native/sendfile.c), or why it is missing: boot-http streams files without it. */
import { createRequire } from 'node:module';

export interface SendfileBinding {
  /** sendfile(2) on a non-blocking socket: bytes sent (fewer than count, maybe 0, when the socket is full). */
  send(outFd: number, inFd: number, offset: number, count: number): number;
  /**
   * Sends `count` bytes from `offset` without calling into JS per chunk: one sendfile(2) of at most `chunk`
   * bytes each time the socket is writable, then `done(error, sent)` once (error.code: errno name or 'EOF').
   * Returns a token for cancel().
   */
  pump(
    outFd: number,
    inFd: number,
    offset: number,
    count: number,
    chunk: number,
    done: (err: (Error & { code?: string }) | null, sent: number) => void,
  ): number;
  /** Stops a pump (its done is not called); bytes it sent, or -1 when it had already ended. */
  cancel(token: number): number;
}

let binding: SendfileBinding | undefined;
let loadError: { message: string } | undefined;

/** The addon, or undefined when it is not built (Linux only; `npm rebuild @bmc-emu/boot-http`). */
export function sendfileBinding(): SendfileBinding | undefined {
  if (binding || loadError) return binding;
  if (process.platform !== 'linux') {
    loadError = { message: `sendfile(2) is used on Linux only (this is ${process.platform})` };
    return undefined;
  }
  try {
    // src/ and dist/ both sit one level below the package root, beside build/
    binding = createRequire(import.meta.url)('../build/Release/sendfile.node') as SendfileBinding;
  } catch (err) {
    loadError = err as Error;
  }
  return binding;
}

/** Why the addon is unavailable (undefined when it loaded). */
export function sendfileLoadError(): string | undefined {
  sendfileBinding();
  return loadError?.message;
}
