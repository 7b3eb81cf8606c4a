import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invokeHttp, keyIn, startServer, tempDir, type ServerProcess } from '../support/server-process.js';
import { eventsOf, readFrames } from './sse-client.js';

// Two real server processes on one database file, as two Node instances behind a balancer would be.
describe('events across two processes on one file', () => {
  let first: ServerProcess;
  let second: ServerProcess;
  let key: string;

  beforeAll(async () => {
    const env = { DATABASE_PATH: join(tempDir(), 'shared.db') };
    first = await startServer(env);
    const printed = keyIn(first.stdout());
    if (!printed) throw new Error(`no bootstrap key printed:\n${first.stdout()}`);
    key = printed;
    second = await startServer(env);
  });
  afterAll(async () => {
    await Promise.all([first.stop(), second.stop()]);
  });

  it('gives strictly increasing ids in commit order under concurrent writers, none lost or repeated', async () => {
    const writes = 15;
    const writer = async (url: string, tag: string) => {
      const ids: string[] = [];
      for (let i = 0; i < writes; i += 1) {
        const res = await invokeHttp(url, key, { resource: 'agents', action: 'create', data: { name: `${tag} ${i}` } });
        expect(res.status).toBe(201);
        ids.push(res.body.data.id as string);
      }
      return ids;
    };
    const [a, b] = await Promise.all([writer(first.url, 'first'), writer(second.url, 'second')]);
    const feed = await invokeHttp(first.url, key, { resource: 'events', action: 'list', data: { types: ['agent.created'], limit: 100 } });
    const items = feed.body.data.items as { id: string; agent_id: string }[];
    const eventIds = items.map((e) => Number(e.id));
    expect(new Set(eventIds).size).toBe(2 * writes);
    expect(eventIds).toEqual([...eventIds].sort((x, y) => x - y));
    // Each process wrote one after another: its own events are in its own order.
    const idOf = new Map(items.map((e) => [e.agent_id, Number(e.id)]));
    for (const agents of [a, b]) {
      const order = agents.map((id) => idOf.get(id) ?? -1);
      expect(order.every((id, i) => id > 0 && (i === 0 || id > (order[i - 1] ?? 0)))).toBe(true);
    }
  });

  it('delivers an event written by the other process to an open stream within a second', async () => {
    const controller = new AbortController();
    const res = await fetch(`${first.url}/events?types=agent.created`, { headers: { Authorization: `Bearer ${key}` }, signal: controller.signal });
    const reader = readFrames(res);
    expect(await reader.next()).toEqual({ retry: '2000', id: expect.stringMatching(/^\d+$/) });
    const created = await invokeHttp(second.url, key, { resource: 'agents', action: 'create', data: { name: 'From the other process' } });
    const [frame] = eventsOf(await reader.until((f) => f.event !== undefined, 1000));
    expect(JSON.parse(frame?.data ?? '{}')).toMatchObject({ type: 'agent.created', agent_id: created.body.data.id });
    controller.abort();
  });
});
