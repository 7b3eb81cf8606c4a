import { serve } from '@hono/node-server';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  url: string;
  close(): Promise<void>;
}

const closeServer = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/** The app over real HTTP on 127.0.0.1, on a free port. */
export async function listen(fetch: (request: Request) => Response | Promise<Response>): Promise<Listening> {
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => closeServer(server) };
}

/** A harness's app over real HTTP (its `request` is how the harness reaches the app in process). */
export const serveHarness = (h: { request(path: string, init?: RequestInit): Promise<Response> }): Promise<Listening> =>
  listen(async (req) =>
    h.request(req.url, {
      method: req.method,
      headers: req.headers,
      ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: await req.arrayBuffer() }),
    }),
  );

/**
 * What the proxy does with one request. `pass`: forwards it and returns the answer. `hold`: forwards
 * it, lets the server finish, and never answers (the client times out). `cut`: forwards it, lets the
 * server finish, then drops the connection. `html`: answers a gateway error page without forwarding.
 */
export type Fault = 'pass' | 'hold' | 'cut' | 'html';

export interface Seen {
  headers: IncomingMessage['headers'];
  body: string;
}

const readAll = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

/** A real HTTP hop between the client and the server that loses answers on purpose. */
export async function faultyProxy(target: string, faults: Fault[]): Promise<Listening & { seen: Seen[] }> {
  const seen: Seen[] = [];
  // Requests reach the server one after another: a retry never overtakes the attempt it repeats.
  let upstream: Promise<unknown> = Promise.resolve();
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      const fault = faults[seen.length] ?? 'pass';
      seen.push({ headers: req.headers, body });
      if (fault === 'html') {
        res.writeHead(502, { 'Content-Type': 'text/html' }).end('<html><body>Bad gateway</body></html>');
        return;
      }
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter((e): e is [string, string] => typeof e[1] === 'string' && e[0] !== 'host'),
      );
      const forwarded = upstream.then(async () => {
        const r = await fetch(`${target}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, body });
        return { status: r.status, headers: Object.fromEntries(r.headers), text: await r.text() };
      });
      upstream = forwarded.catch(() => undefined);
      const answer = await forwarded;
      if (fault === 'hold') return;
      if (fault === 'cut') {
        req.socket.destroy();
        return;
      }
      res.writeHead(answer.status, answer.headers).end(answer.text);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => closeServer(server) };
}
