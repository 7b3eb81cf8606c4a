import { describe, expect, it } from 'vitest';
import { hashKey } from '../../src/auth/api-keys.js';
import { revokeKey } from '../../src/auth/store.js';
import { createHarness, snapshot, type AnyBody, type Reply } from '../support/harness.js';
import { expectError, expectOk } from '../support/expect.js';

const h = await createHarness();

const listGoals = { resource: 'goals', action: 'list', data: {} };
const listAgents = { resource: 'agents', action: 'list', data: {} };

/** The 401 body without what differs per request. */
const unauthorizedBody = (reply: Reply<AnyBody>) => {
  expectError(reply, 401, 'UNAUTHORIZED');
  expect(reply.headers.get('www-authenticate')).toBe('Bearer');
  return { ...reply.body, error: { ...reply.body.error, request_id: '<id>' } };
};

const keyRow = (keyId: string) => h.db.kysely.selectFrom('api_keys').selectAll().where('id', '=', keyId).executeTakeFirstOrThrow();

describe('API keys', () => {
  it('authenticate a Bearer gp_ key and act as its user', async () => {
    const user = await h.makeUser();
    const agent = expectOk(await user.invoke({ resource: 'agents', action: 'create', data: { name: 'Mine' } }), 201);
    const row = await h.db.kysely.selectFrom('agents').select('owner_id').where('id', '=', agent.id).executeTakeFirstOrThrow();
    expect(row.owner_id).toBe(user.id);
  });

  it('accept the Bearer scheme in any letter case', async () => {
    const user = await h.makeUser();
    for (const scheme of ['bearer', 'BEARER']) {
      expectOk(await user.invoke(listGoals, { token: null, headers: { Authorization: `${scheme} ${user.key}` } }));
    }
  });

  it('are stored as a SHA-256 hash, a prefix and the last four characters only', async () => {
    const user = await h.makeUser();
    expect(user.key).toMatch(/^gp_[A-Za-z0-9_-]{43}$/);
    const row = await keyRow(user.keyId);
    expect(row).toMatchObject({ hash: await hashKey(user.key), prefix: user.key.slice(0, 8), last_four: user.key.slice(-4) });
    expect(JSON.stringify(await h.db.kysely.selectFrom('api_keys').selectAll().execute())).not.toContain(user.key);
  });

  it('set last_used_at when used', async () => {
    const user = await h.makeUser();
    expect((await keyRow(user.keyId)).last_used_at).toBeNull();
    expectOk(await user.invoke(listGoals));
    expect((await keyRow(user.keyId)).last_used_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('of one email belong to one user, who sees the same records with either key', async () => {
    const first = await h.makeUser();
    const second = await h.makeUser({ email: first.email });
    expect(second.id).toBe(first.id);
    const goal = await h.makeGoal(first);
    expect(expectOk(await second.invoke({ resource: 'goals', action: 'get', id: goal.id })).id).toBe(goal.id);
  });

  describe('scopes', () => {
    it('goals:write implies goals:read, and grants nothing on agents', async () => {
      const owner = await h.makeUser();
      const agent = await h.makeAgent(owner);
      const writer = await h.makeUser({ scopes: ['goals:write'], email: owner.email });
      expectOk(await writer.invoke(listGoals));
      expectOk(await writer.invoke({ resource: 'goals', action: 'create', data: { agent_id: agent.id, name: 'G' } }), 201);
      expectError(await writer.invoke(listAgents), 403, 'FORBIDDEN');
    });

    it('agents:write implies agents:read, and grants nothing on goals', async () => {
      const user = await h.makeUser({ scopes: ['agents:write'] });
      expectOk(await user.invoke(listAgents));
      expectOk(await user.invoke({ resource: 'agents', action: 'create', data: { name: 'A' } }), 201);
      expectError(await user.invoke(listGoals), 403, 'FORBIDDEN');
    });

    it('a read scope does not grant writes: 403 FORBIDDEN naming the missing scope, changing nothing', async () => {
      const owner = await h.makeUser();
      const agent = await h.makeAgent(owner);
      const reader = await h.makeUser({ scopes: ['goals:read', 'agents:read'], email: owner.email });
      expectOk(await reader.invoke(listGoals));
      expectOk(await reader.invoke({ resource: 'agents', action: 'get', id: agent.id }));
      const before = await snapshot(h);
      const goalError = expectError(await reader.invoke({ resource: 'goals', action: 'create', data: { agent_id: agent.id, name: 'G' } }), 403, 'FORBIDDEN');
      expect(goalError).toMatchObject({ message: 'This credential lacks the goals:write scope.', retryable: false });
      expect(expectError(await reader.invoke({ resource: 'agents', action: 'delete', id: agent.id }), 403, 'FORBIDDEN').message).toBe(
        'This credential lacks the agents:write scope.',
      );
      expect(await snapshot(h)).toEqual(before);
    });

    it('a key with no scopes can do nothing', async () => {
      const user = await h.makeUser({ scopes: [] });
      expectError(await user.invoke(listGoals), 403, 'FORBIDDEN');
      expectError(await user.invoke(listAgents), 403, 'FORBIDDEN');
    });
  });

  describe('return one identical 401 UNAUTHORIZED body', () => {
    it('for a revoked, an expired, an unknown and a missing key, changing nothing', async () => {
      const revoked = await h.makeUser();
      expectOk(await revoked.invoke(listGoals));
      await revokeKey(h.db, revoked.keyId, new Date().toISOString());
      const expired = await h.makeUser({ expiresAt: '2001-01-01T00:00:00.000Z' });
      const unknown = `gp_${'x'.repeat(43)}`;

      const before = await snapshot(h);
      const bodies = [
        unauthorizedBody(await revoked.invoke({ resource: 'agents', action: 'create', data: { name: 'A' } })),
        unauthorizedBody(await expired.invoke({ resource: 'agents', action: 'create', data: { name: 'A' } })),
        unauthorizedBody(await revoked.invoke(listGoals, { token: unknown })),
        unauthorizedBody(await revoked.invoke(listGoals, { token: null })),
      ];
      for (const body of bodies) expect(body).toEqual(bodies[0]);
      expect(bodies[0]).toEqual({
        success: false,
        error: { code: 'UNAUTHORIZED', message: 'Missing or invalid credentials.', retryable: false, request_id: '<id>' },
      });
      expect(await snapshot(h)).toEqual(before);
    });

    it('for a revoked key whose user still has a valid one, which keeps working', async () => {
      const old = await h.makeUser();
      const fresh = await h.makeUser({ email: old.email });
      await revokeKey(h.db, old.keyId, new Date().toISOString());
      expectError(await old.invoke(listGoals), 401, 'UNAUTHORIZED');
      expectOk(await fresh.invoke(listGoals));
    });

    it('for a key that differs from a real one in its last character', async () => {
      const user = await h.makeUser();
      const last = user.key.slice(-1);
      const forged = user.key.slice(0, -1) + (last === 'A' ? 'B' : 'A');
      expectError(await user.invoke(listGoals, { token: forged }), 401, 'UNAUTHORIZED');
    });
  });

  it('with an expiry in the future work until then', async () => {
    const user = await h.makeUser({ expiresAt: '2999-01-01T00:00:00.000Z' });
    expectOk(await user.invoke(listGoals));
  });
});
