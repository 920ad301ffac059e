// The parent/child protocol the benches use to run a server in its own process (so its CPU and RSS are
// its own): the child sends one hello message when it listens, then answers 'cpu', 'rss' and 'stop'.
import { fork } from 'node:child_process';

/** Parent side: fork `script` with `args`; resolves with the child's hello plus cpuUs(), rss() and stop(). */
export function forkServer(script, args, { gc = true, killAfterMs = 10_000 } = {}) {
  const child = fork(script, args, {
    execArgv: gc ? ['--expose-gc'] : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = () =>
    new Promise((resolve, reject) => {
      const onExit = (c) => reject(new Error(`server exited ${c}`));
      child.once('exit', onExit);
      child.once('message', (m) => {
        child.off('exit', onExit);
        resolve(m);
      });
    });
  return next().then((hello) => ({
    ...hello,
    cpuUs: async () => {
      child.send('cpu');
      return (await next()).cpuUs;
    },
    rss: async () => {
      child.send('rss');
      return (await next()).rss;
    },
    stop: () =>
      new Promise((r) => {
        child.once('exit', r);
        child.send('stop');
        setTimeout(() => child.kill('SIGKILL'), killAfterMs).unref();
      }),
  }));
}

/** Child side: answer the parent's questions, run `stop` on 'stop' (then exit), and send `hello`. */
export function serveParent(hello, stop = async () => {}) {
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (m) => {
    if (m === 'cpu') {
      const u = process.cpuUsage();
      process.send({ cpuUs: u.user + u.system });
    } else if (m === 'rss') {
      globalThis.gc?.();
      process.send({ rss: process.memoryUsage().rss });
    } else if (m === 'stop') {
      await stop();
      process.exit(0);
    }
  });
  process.send(hello);
}
