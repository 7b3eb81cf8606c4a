import { describe, expect, it } from 'vitest';
import { BODY_LIMIT, MAX_BATCH } from '../../src/rpc/envelope.js';
import { createHarness, snapshot, type AnyBody } from '../support/harness.js';

const h = await createHarness();

const list = { resource: 'agents', action: 'list', data: { limit: 1 } };
const items = (body: AnyBody | AnyBody[]): AnyBody[] => {
  if (!Array.isArray(body)) throw new Error(`expected a batch answer, got ${JSON.stringify(body)}`);
  return body;
};

describe('POST /invoke with a JSON array (batch)', () => {
  it('answers 200 with one body per item, in the order of the request', async () => {
    const user = await h.makeUser();
    const names = ['First', 'Second', 'Third', 'Fourth'];
    const reply = await user.invoke(names.map((name) => ({ resource: 'agents', action: 'create', data: { name } })));
    expect(reply.status).toBe(200);
    const bodies = items(reply.body as unknown as AnyBody[]);
    expect(bodies.map((b) => b.data?.name)).toEqual(names);
    // Runs in order too: later items see what earlier items wrote.
    const created = bodies.map((b) => b.data?.created_at as string);
    expect([...created].sort()).toEqual(created);
  });

  it('lets a failing item fail alone: the others run, and writes before it are kept (not one transaction)', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const reply = await user.invoke([
      { resource: 'goals', action: 'create', data: { agent_id: agent.id, name: 'Kept' } },
      { resource: 'goals', action: 'create', data: { agent_id: agent.id, name: '' } },
      { resource: 'goals', action: 'get', id: crypto.randomUUID() },
      { resource: 'goals', action: 'nope' },
      { resource: 'goals', action: 'list', surprise: true },
      42,
      [list],
      { resource: 'goals', action: 'list', data: { agentId: agent.id } },
    ]);
    expect(reply.status).toBe(200);
    const bodies = items(reply.body as unknown as AnyBody[]);
    expect(bodies.map((b) => (b.success ? 'ok' : b.error?.code))).toEqual([
      'ok',
      'VALIDATION_ERROR',
      'NOT_FOUND',
      'VALIDATION_ERROR',
      'VALIDATION_ERROR',
      'VALIDATION_ERROR',
      'VALIDATION_ERROR',
      'ok',
    ]);
    expect(bodies[1]?.error?.details).toEqual([{ path: 'data.name', message: 'Must be at least 1 character long.' }]);
    expect(bodies[3]?.error?.details?.[0]?.path).toBe('action');
    expect(bodies[4]?.error?.details).toEqual([{ path: 'surprise', message: 'Unknown key.' }]);
    expect(bodies[7]?.data.items.map((g: { name: string }) => g.name)).toEqual(['Kept']);
    for (const body of bodies.filter((b) => !b.success)) expect(body.error?.request_id).toBe(reply.headers.get('x-request-id'));
  });

  it('authorises each item on its own: scope and admin mode fail per item', async () => {
    const reader = await h.makeUser({ scopes: ['agents:read'] });
    const reply = await reader.invoke([
      list,
      { resource: 'agents', action: 'create', data: { name: 'Not allowed' } },
      { ...list, admin: true },
      { resource: 'goals', action: 'list' },
      list,
    ]);
    const bodies = items(reply.body as unknown as AnyBody[]);
    expect(bodies.map((b) => (b.success ? 'ok' : b.error?.code))).toEqual(['ok', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'ok']);
  });

  it("keeps owners apart per item: another owner's record is NOT_FOUND while the caller's own is returned", async () => {
    const alice = await h.makeUser();
    const bob = await h.makeUser();
    const mine = await h.makeAgent(bob);
    const theirs = await h.makeAgent(alice);
    const reply = await bob.invoke([
      { resource: 'agents', action: 'get', id: theirs.id },
      { resource: 'agents', action: 'get', id: mine.id },
    ]);
    const [foreign, own] = items(reply.body as unknown as AnyBody[]);
    expect(foreign?.error?.code).toBe('NOT_FOUND');
    expect(own?.data?.id).toBe(mine.id);
  });

  it(`accepts ${MAX_BATCH} items and refuses 0 or ${MAX_BATCH + 1} with 400, running none of them`, async () => {
    const user = await h.makeUser();
    const create = { resource: 'agents', action: 'create', data: { name: 'Batch item' } };
    const full = await user.invoke(Array.from({ length: MAX_BATCH }, () => list));
    expect(full.status).toBe(200);
    expect(items(full.body as unknown as AnyBody[])).toHaveLength(MAX_BATCH);

    const before = await snapshot(h);
    for (const batch of [[], Array.from({ length: MAX_BATCH + 1 }, () => create)]) {
      const reply = await user.invoke(batch);
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({
        success: false,
        error: { code: 'VALIDATION_ERROR', details: [{ path: '', message: `A batch holds 1 to ${MAX_BATCH} envelopes.` }] },
      });
    }
    expect(await snapshot(h)).toEqual(before);
  });

  it('applies the body limit to the whole batch: small items adding up past it get 413 and nothing runs', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    // Each item is valid and about 35 KB (50 fields with long descriptions); 25 of them are over 512 KiB.
    const fields = Array.from({ length: 50 }, (_, i) => ({ key: `f${i}`, label: 'L'.repeat(100), type: 'text', description: 'd'.repeat(500) }));
    const item = { resource: 'goals', action: 'create', data: { agent_id: agent.id, name: 'Big', description: 'd'.repeat(5_000), fields } };
    const batch = Array.from({ length: MAX_BATCH }, () => item);
    expect(new TextEncoder().encode(JSON.stringify(batch)).byteLength).toBeGreaterThan(BODY_LIMIT);

    const before = await snapshot(h);
    const reply = await user.invoke(batch);
    expect(reply.status).toBe(413);
    expect(reply.body.error?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await snapshot(h)).toEqual(before);

    // The same items, fewer of them, fit.
    const smaller = await user.invoke(batch.slice(0, 10));
    expect(items(smaller.body as unknown as AnyBody[]).every((b) => b.success)).toBe(true);
  });

  it('fails the whole batch with 401 when the credentials are bad', async () => {
    const user = await h.makeUser();
    const reply = await user.invoke([list, list], { token: 'gp_nope' });
    expect(reply.status).toBe(401);
    expect(reply.body.error?.code).toBe('UNAUTHORIZED');
  });
});

describe('batch and the rate limit', () => {
  it('counts every item against the budget and refuses a batch that does not fit with 429', async () => {
    const limited = await createHarness({ env: { RATE_LIMIT_PER_MINUTE: '5' } });
    const user = await limited.makeUser();
    const before = await snapshot(limited);
    const first = await user.invoke([list, list, list]);
    expect(first.status).toBe(200);
    const second = await user.invoke([list, list, list]);
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(second.body.error?.code).toBe('RATE_LIMITED');
    expect(await snapshot(limited)).toEqual(before);
  });
});
