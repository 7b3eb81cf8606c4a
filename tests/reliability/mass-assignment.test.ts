import { describe, expect, it } from 'vitest';
import type { ActionSpec } from '../../src/rpc/define-action.js';
import { actions } from '../../src/rpc/registry.js';
import { createHarness, snapshot } from '../support/harness.js';
import { actionKey, makeFixture, samples } from '../support/samples.js';

/** Keys a caller might try to set to take over or backdate a record; no write action accepts them. */
const PROTECTED = ['id', 'user_id', 'userId', 'owner_id', 'ownerId', 'owner', 'created_at', 'updated_at', 'createdAt', 'is_admin', 'role'];

const h = await createHarness();
const admin = await h.makeUser({ admin: true });
const victim = await h.makeUser();

const writes = (actions as readonly ActionSpec[]).filter((spec) => spec.scope.endsWith(':write'));

describe.each(writes.map((spec) => [actionKey(spec)] as const))('%s', (key) => {
  it.each(PROTECTED.flatMap((field) => [[field, false] as const, [field, true] as const]))(
    'refuses data.%s (admin mode %s) with 400 naming it, and writes nothing',
    async (field, adminMode) => {
      const f = await makeFixture(h, admin);
      const envelope = samples[key](f);
      const value = field === 'owner' ? { id: victim.id } : field.endsWith('_at') || field === 'createdAt' ? '2000-01-01T00:00:00.000Z' : field === 'is_admin' ? 1 : victim.id;
      const data = { ...(envelope.data as Record<string, unknown> | undefined), [field]: value };
      const before = await snapshot(h);

      const reply = await admin.invoke({ ...envelope, data, admin: adminMode });

      expect(reply.status).toBe(400);
      expect(reply.body.error?.code).toBe('VALIDATION_ERROR');
      expect(reply.body.error?.details).toContainEqual({ path: `data.${field}`, message: 'Unknown key.' });
      expect(await snapshot(h)).toEqual(before);
    },
  );
});

describe('ownership comes from the records, never from the caller', () => {
  it('creates a goal under the agent owner even when an admin in admin mode creates it', async () => {
    const agent = await h.makeAgent(victim);
    const reply = await admin.invoke({ resource: 'goals', action: 'create', admin: true, data: { agent_id: agent.id, name: 'Theirs' } });
    expect(reply.status).toBe(201);
    expect(reply.body.data.owner.id).toBe(victim.id);
  });

  it("refuses to move a goal onto another owner's agent in admin mode", async () => {
    const goal = await h.makeGoal(victim);
    const adminAgent = await h.makeAgent(admin);
    const before = await snapshot(h);
    const reply = await admin.invoke({ resource: 'goals', action: 'update', id: goal.id, admin: true, data: { agent_id: adminAgent.id } });
    expect(reply.status).toBe(409);
    expect(await snapshot(h)).toEqual(before);
  });
});
