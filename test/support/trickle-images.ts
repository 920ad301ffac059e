/** A slow image server on 127.0.0.1 for progress tests: an ISO-looking image under any /slow*.iso path. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TrickleImages {
  url: string;
  size: number;
  close(): Promise<void>;
}

/** `chunks` pieces of `chunk` bytes, one every `everyMs` (default: 2 MiB over ~1.6 s). */
export async function trickleImages(chunk = 64 * 1024, chunks = 32, everyMs = 50): Promise<TrickleImages> {
  const image = Buffer.alloc(chunk * chunks, 0x22);
  image.write('CD001', 32769, 'latin1');
  const server: Server = createServer((req, res) => {
    if (!/^\/slow[\w-]*\.iso$/.test(req.url ?? '')) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Length': image.length });
    let i = 0;
    const t = setInterval(() => {
      if (res.destroyed) return clearInterval(t);
      res.write(image.subarray(i * chunk, (i + 1) * chunk));
      if (++i < chunks) return;
      clearInterval(t);
      res.end();
    }, everyMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    size: image.length,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}
