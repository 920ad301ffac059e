import type { Socket } from 'node:dgram';
import { createRequire } from 'node:module';
import { BmcEmuError, ErrorCode } from '@bmc-emu/core';

interface NativeBinding {
  bindToDevice(fd: number, ifname: string): void;
  boundDevice(fd: number): string;
}

let binding: NativeBinding | undefined;
let loadError: unknown;

function native(): NativeBinding {
  if (binding) return binding;
  if (loadError) throw unavailable(loadError);
  try {
    // src/ and dist/ both sit one level below the package root, beside build/
    binding = createRequire(import.meta.url)('../build/Release/bind_device.node') as NativeBinding;
    return binding;
  } catch (err) {
    loadError = err;
    throw unavailable(err);
  }
}

function unavailable(cause: unknown): BmcEmuError {
  return new BmcEmuError(
    ErrorCode.Unsupported,
    'Per-interface DHCP needs the bind_device native addon: run `npm rebuild @bmc-emu/dhcp` (python3, make and a C compiler are required).',
    {},
    { cause },
  );
}

/** True when the native addon is built and loads. */
export function canBindToDevice(): boolean {
  try {
    native();
    return true;
  } catch {
    return false;
  }
}

/** The OS file descriptor of a bound dgram socket, read without the deprecated `_handle` getter. */
export function socketFd(socket: Socket): number {
  for (const sym of Object.getOwnPropertySymbols(socket)) {
    const state = (socket as unknown as Record<symbol, { handle?: { fd?: number } }>)[sym];
    const fd = state?.handle?.fd;
    if (typeof fd === 'number' && fd >= 0) return fd;
  }
  throw new BmcEmuError(ErrorCode.Internal, 'Could not find the file descriptor of the DHCP socket (is it bound?)');
}

/** Pin a bound dgram socket to one interface (SO_BINDTODEVICE): it then sends and receives only there. */
export function bindSocketToDevice(socket: Socket, ifname: string): void {
  const fd = socketFd(socket);
  try {
    native().bindToDevice(fd, ifname);
  } catch (err) {
    if (err instanceof BmcEmuError) throw err;
    throw new BmcEmuError(
      ErrorCode.InvalidArgument,
      `Cannot bind the DHCP socket to interface "${ifname}": ${(err as Error).message}. Check the name and run as root (or with CAP_NET_RAW).`,
      { ifname },
      { cause: err },
    );
  }
}

export function socketDevice(socket: Socket): string {
  return native().boundDevice(socketFd(socket));
}
