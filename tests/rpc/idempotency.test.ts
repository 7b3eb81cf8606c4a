import { describe, expect, it } from 'vitest';
import { createHarness, type TestUser } from '../support/harness.js';

const h = await createHarness();

const withKey = (key: string) => ({ headers: { 'Idempotency-Key': key } });
const newKey = () => `key-${crypto.randomUUID()}`;

async function countOf(user: TestUser, resource: 'goals' | 'agents', data: Record<string, unknown> = {}): Promise<number> {
  const page = await h.ok<{ count: number }>(user, { resource, action: 'list', data });
  return page.count;
}

describe('Idempotency-Key on create and attach', () => {
  it('replays the first 201 of goals.create for the same key and request, with no second row', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const envelope = { resource: 'goals', action: 'create', data: { agent_id: agent.id, name: 'Book a demo' } };
    const key = newKey();

    const first = await user.invoke(envelope, withKey(key));
    const second = await user.invoke(envelope, withKey(key));

    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(await countOf(user, 'goals', { agentId: agent.id })).toBe(1);
  });

  it('replays agents.create and counts the alias-free request once', async () => {
    const user = await h.makeUser();
    const key = newKey();
    const envelope = { resource: 'agents', action: 'create', data: { name: 'Inbound' } };
    const replies = [];
    for (let i = 0; i < 3; i += 1) replies.push(await user.invoke(envelope, withKey(key)));
    expect(replies.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(new Set(replies.map((r) => r.body.data.id)).size).toBe(1);
    expect(await countOf(user, 'agents')).toBe(1);
  });

  it('treats agentId and agent_id spellings as the same request', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const key = newKey();
    const first = await user.invoke({ resource: 'goals', action: 'create', data: { agent_id: agent.id, name: 'Qualify' } }, withKey(key));
    const second = await user.invoke({ resource: 'goals', action: 'create', data: { name: 'Qualify', agentId: agent.id } }, withKey(key));
    expect(second.status).toBe(201);
    expect(second.body.data.id).toBe(first.body.data.id);
  });

  it('replays the stored attach response instead of running the attach again', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const a = await h.makeGoal(user, { agent_id: agent.id, name: 'A' });
    const b = await h.makeGoal(user, { agent_id: agent.id, name: 'B' });
    const key = newKey();
    const attachA = { resource: 'goals', action: 'attach', data: { goalId: a.id, agentId: agent.id } };

    const first = await user.invoke(attachA, withKey(key));
    await h.ok(user, { resource: 'goals', action: 'attach', data: { goalId: b.id, agentId: agent.id } });
    const replay = await user.invoke(attachA, withKey(key));

    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
    const after = await h.ok<{ goal_id: string }>(user, { resource: 'agents', action: 'get', id: agent.id });
    expect(after.goal_id).toBe(b.id);
  });

  it('returns 409 CONFLICT, not retryable, when the key comes back with a different request, and writes nothing', async () => {
    const user = await h.makeUser();
    const key = newKey();
    await user.invoke({ resource: 'agents', action: 'create', data: { name: 'First' } }, withKey(key));

    const other = await user.invoke({ resource: 'agents', action: 'create', data: { name: 'Second' } }, withKey(key));
    const agent = await h.makeAgent(user);
    const otherAction = await user.invoke({ resource: 'goals', action: 'create', data: { agent_id: agent.id, name: 'First' } }, withKey(key));

    for (const reply of [other, otherAction]) {
      expect(reply.status).toBe(409);
      expect(reply.body.error).toMatchObject({ code: 'CONFLICT', retryable: false });
    }
    expect(await countOf(user, 'agents')).toBe(2);
    expect(await countOf(user, 'goals')).toBe(0);
  });

  it('makes admin mode part of the request: the same key with admin: true is a different request', async () => {
    const admin = await h.makeUser({ admin: true });
    const key = newKey();
    const data = { name: 'Console agent' };
    expect((await admin.invoke({ resource: 'agents', action: 'create', data }, withKey(key))).status).toBe(201);
    const reply = await admin.invoke({ resource: 'agents', action: 'create', data, admin: true }, withKey(key));
    expect(reply.status).toBe(409);
    expect(reply.body.error?.code).toBe('CONFLICT');
  });

  it("scopes keys to the caller: another user's identical key and request creates that user's own row", async () => {
    const alice = await h.makeUser();
    const bob = await h.makeUser();
    const key = newKey();
    const envelope = { resource: 'agents', action: 'create', data: { name: 'Same' } };
    const forAlice = await alice.invoke(envelope, withKey(key));
    const forBob = await bob.invoke(envelope, withKey(key));
    expect(forBob.status).toBe(201);
    expect(forBob.headers.get('idempotent-replayed')).toBeNull();
    expect(forBob.body.data.id).not.toBe(forAlice.body.data.id);
    expect(await countOf(bob, 'agents')).toBe(1);
  });

  it("shares keys between one user's API keys, after each key's own scope check", async () => {
    const owner = await h.makeUser();
    const second = await h.makeUser({ email: owner.email });
    const reader = await h.makeUser({ email: owner.email, scopes: ['agents:read'] });
    const key = newKey();
    const envelope = { resource: 'agents', action: 'create', data: { name: 'Shared' } };

    const first = await owner.invoke(envelope, withKey(key));
    const replay = await second.invoke(envelope, withKey(key));
    const refused = await reader.invoke(envelope, withKey(key));

    expect(replay.body).toEqual(first.body);
    expect(refused.status).toBe(403);
    expect(await countOf(owner, 'agents')).toBe(1);
  });

  it('frees the key when the first attempt fails, so the retry runs once the state allows it', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const goal = await h.makeGoal(user, { agent_id: agent.id, status: 'archived' });
    const key = newKey();
    const attach = { resource: 'goals', action: 'attach', data: { goalId: goal.id, agentId: agent.id } };

    const refused = await user.invoke(attach, withKey(key));
    await h.ok(user, { resource: 'goals', action: 'update', id: goal.id, data: { status: 'active' } });
    const retried = await user.invoke(attach, withKey(key));

    expect(refused.status).toBe(409);
    expect(retried.status).toBe(200);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(retried.body.data).toMatchObject({ agent_id: agent.id, goal_id: goal.id });
  });

  it('does not spend the key on a request that fails validation', async () => {
    const user = await h.makeUser();
    const key = newKey();
    const invalid = await user.invoke({ resource: 'agents', action: 'create', data: { name: '' } }, withKey(key));
    const valid = await user.invoke({ resource: 'agents', action: 'create', data: { name: 'Fixed' } }, withKey(key));
    expect(invalid.status).toBe(400);
    expect(valid.status).toBe(201);
  });

  it('ignores the key on actions that are not marked idempotent', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const key = newKey();
    const one = await user.invoke({ resource: 'agents', action: 'update', id: agent.id, data: { name: 'One' } }, withKey(key));
    const two = await user.invoke({ resource: 'agents', action: 'update', id: agent.id, data: { name: 'Two' } }, withKey(key));
    expect([one.status, two.status]).toEqual([200, 200]);
    expect(two.body.data.name).toBe('Two');
  });

  // Over real HTTP (the Worker's transport) the client itself refuses to send a control character.
  const badKeys: [string, string][] = [
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['a non-ASCII character', 'clé'],
    ...(h.target === 'node' ? [['a control character', 'a\u0001b'] as [string, string]] : []),
  ];
  it.each(badKeys)('returns 400 VALIDATION_ERROR for a key that is %s, and writes nothing', async (_label, key) => {
    const user = await h.makeUser();
    const reply = await user.invoke({ resource: 'agents', action: 'create', data: { name: 'Never' } }, withKey(key));
    expect(reply.status).toBe(400);
    expect(reply.body.error?.details).toEqual([{ path: 'Idempotency-Key', message: 'Must be 1 to 255 printable ASCII characters.' }]);
    expect(await countOf(user, 'agents')).toBe(0);
  });

  it('accepts a key of 255 printable characters, spaces and punctuation included', async () => {
    const user = await h.makeUser();
    const key = `a ~!"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}`.padEnd(255, 'z');
    const envelope = { resource: 'agents', action: 'create', data: { name: 'Edge' } };
    const first = await user.invoke(envelope, withKey(key));
    const second = await user.invoke(envelope, withKey(key));
    expect(first.status).toBe(201);
    expect(second.body).toEqual(first.body);
  });

  it('returns 400 VALIDATION_ERROR for a key on a batch, and runs none of its items', async () => {
    const user = await h.makeUser();
    const reply = await user.invoke([{ resource: 'agents', action: 'create', data: { name: 'Batched' } }], withKey(newKey()));
    expect(reply.status).toBe(400);
    expect(reply.body.error?.details?.[0]?.path).toBe('Idempotency-Key');
    expect(await countOf(user, 'agents')).toBe(0);
  });

  it('creates one row for 20 concurrent duplicates; the others replay it or get a retryable 409', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const key = newKey();
    const envelope = { resource: 'goals', action: 'create', data: { agent_id: agent.id, name: 'Only once' } };

    const replies = await Promise.all(Array.from({ length: 20 }, () => user.invoke(envelope, withKey(key))));

    const created = replies.filter((r) => r.status === 201);
    const busy = replies.filter((r) => r.status === 409);
    expect(created.length + busy.length).toBe(20);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.body.data.id)).size).toBe(1);
    for (const reply of busy) {
      expect(reply.body.error).toMatchObject({ code: 'CONFLICT', retryable: true });
      expect(reply.headers.get('retry-after')).toBe('1');
    }
    expect(await countOf(user, 'goals', { agentId: agent.id })).toBe(1);
    const later = await user.invoke(envelope, withKey(key));
    expect(later.body.data.id).toBe(created[0]?.body.data.id);
  });
});
