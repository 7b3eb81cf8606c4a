import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { invokeHttp, keyIn, startServer, tempDir } from '../support/server-process.js';

describe('graceful shutdown', () => {
  it('finishes a request that is in flight when SIGTERM arrives, then exits 0 with the database closed', async () => {
    const dbPath = join(tempDir(), 'goalpost.db');
    const server = await startServer({ DATABASE_PATH: dbPath });
    const key = keyIn(server.stdout()) ?? '';
    await invokeHttp(server.url, key, { resource: 'agents', action: 'list' });

    // A request whose body arrives in two parts: SIGTERM lands between them.
    const body = JSON.stringify({ resource: 'agents', action: 'create', data: { name: 'In flight' } });
    let sendRest: () => void = () => undefined;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(body.slice(0, 10)));
        sendRest = () => {
          controller.enqueue(new TextEncoder().encode(body.slice(10)));
          controller.close();
        };
      },
    });
    const pending = fetch(`${server.url}/invoke`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    await new Promise((resolve) => setTimeout(resolve, 200));
    server.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    sendRest();

    const res = await pending;
    expect(res.status).toBe(201);
    const created = (await res.json()) as { data: { id: string } };
    expect(await server.exited).toBe(0);

    const db = new BetterSqlite3(dbPath, { readonly: true });
    expect(db.prepare('SELECT name FROM agents WHERE id = ?').get(created.data.id)).toEqual({ name: 'In flight' });
    db.close();
  });
});
