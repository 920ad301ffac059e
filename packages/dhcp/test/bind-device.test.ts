import { createSocket, type Socket } from 'node:dgram';
import { isBmcEmuError } from '@bmc-emu/core';
import { afterEach, describe, expect, it } from 'vitest';
import { requirePeers, root } from '../../../test/support/peers.js';
import { bindSocketToDevice, canBindToDevice, socketDevice } from './internals.js';

describe('bind_device native addon', () => {
  it('is built (npm install runs node-gyp for @bmc-emu/dhcp)', () => {
    expect(canBindToDevice()).toBe(true);
  });
});

requirePeers('SO_BINDTODEVICE', [root()]).describe('SO_BINDTODEVICE on a dgram socket', () => {
  let s: Socket | undefined;
  afterEach(() => s?.close());

  const bound = async () => {
    s = createSocket({ type: 'udp4', reuseAddr: true });
    await new Promise<void>((r) => s!.bind(0, '127.0.0.1', r));
    return s;
  };

  it('pins the socket to lo and reads the device back', async () => {
    const sock = await bound();
    expect(socketDevice(sock)).toBe('');
    bindSocketToDevice(sock, 'lo');
    expect(socketDevice(sock)).toBe('lo');
  });

  it('fails with a typed error for an unknown interface and a too long name', async () => {
    const sock = await bound();
    const err = (() => {
      try {
        bindSocketToDevice(sock, 'nosuchif0');
      } catch (e) {
        return e;
      }
    })();
    expect(isBmcEmuError(err)).toBe(true);
    expect((err as Error).message).toMatch(/nosuchif0.*No such device/);
    expect(() => bindSocketToDevice(sock, 'x'.repeat(20))).toThrow(/at most 15 bytes/);
  });
});
