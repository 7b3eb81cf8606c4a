import { afterAll, describe, expect, it } from 'vitest';
import { revokeKey } from '../../src/auth/store.js';
import { serveHarness } from '../client/support.js';
import { CountStatements } from '../support/count-statements.js';
import { createHarness } from '../support/harness.js';
import { eventsOf, readFrames } from './sse-client.js';

// Node only: short stream timings are injected (deps.events) and statements counted (wrapDb).

const counter = new CountStatements();
const timings = { pingMs: 200, pollMs: 40, maxMs: 1500 };
const h = await createHarness({ deps: { events: timings }, wrapDb: (db) => ({ ...db, kysely: db.kysely.withPlugin(counter) }) });
const server = await serveHarness(h);
afterAll(() => server.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function openOverHttp(key: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(`${server.url}/events`, { headers: { Authorization: `Bearer ${key}`, ...headers }, signal: controller.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  expect(res.headers.get('x-request-id')).toBeTruthy();
  return { reader: readFrames(res), controller };
}

describe('GET /events over real HTTP on Node', () => {
  it('sends retry, events as they are written, and a ping comment at the injected interval', async () => {
    const user = await h.makeUser();
    const { reader, controller } = await openOverHttp(user.key);
    expect(await reader.next()).toEqual({ retry: '2000', id: expect.stringMatching(/^\d+$/) });
    const agent = await h.makeAgent(user);
    const [frame] = eventsOf(await reader.until((f) => f.event !== undefined, 1000));
    expect(frame).toMatchObject({ event: 'agent.created' });
    expect(JSON.parse(frame?.data ?? '{}')).toMatchObject({ id: frame?.id, agent_id: agent.id });
    expect(await reader.until((f) => f.comment === 'ping', 1000)).toContainEqual({ comment: 'ping' });
    controller.abort();
  });

  it('ends the stream itself after the injected maximum duration', async () => {
    const user = await h.makeUser();
    const started = Date.now();
    const { reader } = await openOverHttp(user.key);
    await reader.ended;
    expect(Date.now() - started).toBeGreaterThanOrEqual(timings.maxMs - 50);
  });

  it('ends the stream of a key revoked meanwhile at the next ping, and keeps the others', async () => {
    const revoked = await h.makeUser();
    const kept = await h.makeUser();
    const gone = await openOverHttp(revoked.key);
    const open = await openOverHttp(kept.key);
    expect(await gone.reader.next()).toEqual({ retry: '2000', id: expect.stringMatching(/^\d+$/) });
    expect(await open.reader.next()).toEqual({ retry: '2000', id: expect.stringMatching(/^\d+$/) });
    const started = Date.now();
    expect(await revokeKey(h.db, revoked.keyId, new Date().toISOString())).toBe(true);
    await gone.reader.ended;
    // Ended by the credential check at the first ping, long before the stream's maximum duration.
    expect(Date.now() - started).toBeLessThan(timings.pingMs * 3);
    expect(await open.reader.until((f) => f.comment === 'ping', 1000)).toContainEqual({ comment: 'ping' });
    open.controller.abort();
  });

  it('stops reading the database once the client goes away', async () => {
    const user = await h.makeUser();
    const { reader, controller } = await openOverHttp(user.key);
    await reader.next();
    const polling = counter.count;
    await sleep(timings.pollMs * 5);
    // While open, the stream polls (the measure is live) ...
    expect(counter.count).toBeGreaterThan(polling);
    controller.abort();
    await sleep(timings.pollMs * 5);
    const after = counter.count;
    await sleep(timings.pollMs * 10);
    // ... and once the client has gone, nothing reads any more.
    expect(counter.count).toBe(after);
  });
});
