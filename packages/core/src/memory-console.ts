import { Duplex } from 'node:stream';

/**
 * A stand-in serial console for memory nodes: prints a banner and echoes what is typed, line by
 * line prefixed like a shell would, so that SOL clients see their input reach "the VM".
 */
export function createMemoryConsole(nodeName: string): Duplex {
  let pending = '';
  const console = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, done) {
      pending += chunk.toString('utf8');
      this.push(chunk);
      let nl = pending.search(/[\r\n]/);
      while (nl >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.length) this.push(`\r\n${nodeName} received: ${line}\r\n${nodeName} login: `);
        nl = pending.search(/[\r\n]/);
      }
      done();
    },
    final(done) {
      this.push(null);
      done();
    },
  });
  console.push(`\r\nbmc-emu memory console for ${nodeName}\r\n${nodeName} login: `);
  return console;
}
