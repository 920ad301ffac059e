import { constants, openSync, write } from 'node:fs';
import { Duplex } from 'node:stream';
import { ReadStream } from 'node:tty';
import { errors } from '@bmc-emu/core';

/**
 * A byte stream onto a domain's `<serial type='pty'>`: the slave side of the pty QEMU holds the
 * master of, put in raw mode so bytes pass untouched. Ends when the domain stops (EIO on read).
 */
export function openPtyConsole(path: string): Duplex {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_NOCTTY);
  } catch (err) {
    throw errors.conflict(`Cannot open the serial console ${path}: ${(err as Error).message}.`, { path });
  }
  const input = new ReadStream(fd);
  input.setRawMode(true);
  let ended = false;
  const finish = (d: Duplex) => {
    if (ended) return;
    ended = true;
    d.push(null);
    input.destroy();
  };
  const duplex = new Duplex({
    read() {
      input.resume();
    },
    write(chunk: Buffer, _enc, done) {
      write(fd, chunk, (err) => done(err ?? null));
    },
    final(done) {
      finish(this);
      done();
    },
    destroy(err, done) {
      finish(this);
      done(err);
    },
  });
  input.on('data', (buf: Buffer) => {
    if (!duplex.push(buf)) input.pause();
  });
  input.on('error', () => finish(duplex));
  input.on('end', () => finish(duplex));
  return duplex;
}
