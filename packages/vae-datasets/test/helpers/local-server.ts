// A small HTTP server on 127.0.0.1 for loader tests: serves given files, and special routes that
// answer 404, cut the body short, or answer slowly. Counts requests per path.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalServer {
  url: string;
  requests: Map<string, number>;
  close(): Promise<void>;
}

export async function startLocalServer(files: Record<string, Uint8Array>): Promise<LocalServer> {
  const requests = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    requests.set(path, (requests.get(path) ?? 0) + 1);
    const name = path.replace(/^\/+/, '');
    if (name.startsWith('truncated/')) {
      const body = files[name.slice('truncated/'.length)] ?? new Uint8Array(100);
      res.writeHead(200, { 'content-length': String(body.length) });
      res.write(body.subarray(0, Math.floor(body.length / 2)));
      setTimeout(() => res.destroy(), 20);
      return;
    }
    if (name.startsWith('slow/')) {
      const timer = setTimeout(() => {
        res.writeHead(200);
        res.end(files[name.slice('slow/'.length)] ?? new Uint8Array(0));
      }, 5_000);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    const body = files[name];
    if (body === undefined) {
      res.writeHead(404, 'Not Found');
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': String(body.length), 'content-type': 'application/octet-stream' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
