/** The sendfile native addon (native/sendfile.c), or why it is missing: boot-http streams files without it. */
import { createRequire } from 'node:module';

export interface SendfileBinding {
  /** sendfile(2) on a non-blocking socket: bytes sent (fewer than count, maybe 0, when the socket is full). */
  send(outFd: number, inFd: number, offset: number, count: number): number;
  /** Calls back once the socket has room again (or an error the next send() reports); returns a token. */
  waitWritable(fd: number, callback: () => void): number;
  /** Drops a wait: its callback will not run. */
  cancelWait(token: number): void;
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
