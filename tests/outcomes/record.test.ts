import { describe, expect, it } from 'vitest';
import { createHarness, snapshot, type TestUser } from '../support/harness.js';
import { expectError, expectOk } from '../support/expect.js';
import { goalWithFields, record } from './support.js';

const h = await createHarness();

/** A record that must fail with this status and code and change nothing. */
async function refused(user: TestUser, data: Record<string, unknown>, status: number, code: string) {
  const before = await snapshot(h);
  const error = expectError(await record(user, data), status, code);
  expect(await snapshot(h)).toEqual(before);
  return error;
}

describe('outcomes.record', () => {
  it('returns 201 with the outcome, its defaults, and missing_required computed on write', async () => {
    const user = await h.makeUser();
    const goal = await goalWithFields(h, user);
    const outcome = expectOk(await record(user, { goal_id: goal.id, conversation_id: 'call_1', achieved: true, values: { email: 'ana@example.com' } }), 201);
    expect(outcome).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      goal_id: goal.id,
      agent_id: goal.agent_id,
      conversation_id: 'call_1',
      channel_id: null,
      contact_id: null,
      achieved: true,
      values: { email: 'ana@example.com' },
      missing_required: ['seats'],
      source: 'api',
      evaluation: null,
      notes: null,
      occurred_at: outcome.created_at,
      created_at: outcome.created_at,
      updated_at: outcome.created_at,
    });
    expect(expectOk(await user.invoke({ resource: 'outcomes', action: 'get', id: outcome.id }))).toEqual(outcome);
  });

  it('replaces the outcome of the same conversation wholly with 200, keeping id and created_at', async () => {
    const user = await h.makeUser();
    const goal = await goalWithFields(h, user);
    const first = expectOk(
      await record(user, { goal_id: goal.id, conversation_id: 'call_2', achieved: true, contact_id: 'lead_1', notes: 'first', values: { seats: 2 } }),
      201,
    );
    h.clock.advance(1000);
    const second = expectOk(await record(user, { goal_id: goal.id, conversation_id: 'call_2', achieved: false }), 200);
    expect(second).toMatchObject({ id: first.id, created_at: first.created_at, achieved: false, contact_id: null, notes: null, values: {} });
    expect(second.updated_at > first.updated_at).toBe(true);
    expect(second.missing_required).toEqual(['email', 'seats']);
    const rows = await h.db.kysely.selectFrom('outcomes').select('id').where('goal_id', '=', goal.id).execute();
    expect(rows).toHaveLength(1);
  });

  it('stores values as sent, nulls included, and keeps them when the goal\'s fields change later', async () => {
    const user = await h.makeUser();
    const goal = await goalWithFields(h, user);
    const values = { email: 'ana@example.com', contact_time: 'morning', seats: 3, note: null };
    const outcome = expectOk(await record(user, { goal_id: goal.id, conversation_id: 'call_3', achieved: null, values }), 201);
    expect(outcome.values).toEqual(values);
    expect(outcome.missing_required).toEqual([]);
    await h.ok(user, { resource: 'goals', action: 'update', id: goal.id, data: { fields: [] } });
    const again = expectOk(await user.invoke({ resource: 'outcomes', action: 'get', id: outcome.id }));
    expect(again.values).toEqual(values);
  });

  it('takes the camelCase aliases and returns occurred_at in UTC with milliseconds', async () => {
    const user = await h.makeUser();
    const goal = await goalWithFields(h, user);
    const outcome = expectOk(
      await record(user, {
        goalId: goal.id,
        conversationId: 'call_4',
        achieved: true,
        channelId: 'tel:+33123456789',
        contactId: 'lead_17',
        occurredAt: '2025-12-31T23:30:00+05:30',
        agentId: goal.agent_id,
      }),
      201,
    );
    expect(outcome).toMatchObject({ conversation_id: 'call_4', channel_id: 'tel:+33123456789', contact_id: 'lead_17', occurred_at: '2025-12-31T18:00:00.000Z' });
  });

  it('returns 400 VALIDATION_ERROR when both spellings of a key differ', async () => {
    const user = await h.makeUser();
    const goal = await goalWithFields(h, user);
    const error = await refused(user, { goal_id: goal.id, goalId: crypto.randomUUID(), conversation_id: 'c', achieved: true }, 400, 'VALIDATION_ERROR');
    expect(error.details?.map((d) => d.path)).toContain('data.goalId');
  });

  it('returns 400 VALIDATION_ERROR at data.values.<key> for an unknown key and for each bad value', async () => {
    const user = await h.makeUser();
    const goal = await goalWithFields(h, user);
    const error = await refused(
      user,
      { goal_id: goal.id, conversation_id: 'c', achieved: true, values: { email: 'nope', seats: 1.5, contact_time: 'night', colour: 'red' } },
      400,
      'VALIDATION_ERROR',
    );
    expect(error.details?.map((d) => d.path).sort()).toEqual(['data.values.colour', 'data.values.contact_time', 'data.values.email', 'data.values.seats']);
  });

  it('returns 400 VALIDATION_ERROR when achieved is missing, and for a bad occurred_at', async () => {
    const user = await h.makeUser();
    const goal = await goalWithFields(h, user);
    const missing = await refused(user, { goal_id: goal.id, conversation_id: 'c' }, 400, 'VALIDATION_ERROR');
    expect(missing.details).toContainEqual({ path: 'data.achieved', message: 'Required.' });
    const noOffset = await refused(user, { goal_id: goal.id, conversation_id: 'c', achieved: true, occurred_at: '2025-12-01T10:00:00' }, 400, 'VALIDATION_ERROR');
    expect(noOffset.details?.map((d) => d.path)).toEqual(['data.occurred_at']);
  });

  it('accepts occurred_at up to 5 minutes ahead and refuses it beyond with 400 at data.occurred_at', async () => {
    const user = await h.makeUser();
    const goal = await goalWithFields(h, user);
    const now = h.clock.peek();
    expectOk(await record(user, { goal_id: goal.id, conversation_id: 'soon', achieved: true, occurred_at: new Date(now + 4 * 60_000).toISOString() }), 201);
    const error = await refused(
      user,
      { goal_id: goal.id, conversation_id: 'later', achieved: true, occurred_at: new Date(now + 6 * 60_000).toISOString() },
      400,
      'VALIDATION_ERROR',
    );
    expect(error.details?.map((d) => d.path)).toEqual(['data.occurred_at']);
  });

  it('returns 409 CONFLICT for an archived goal, and records on draft and paused ones', async () => {
    const user = await h.makeUser();
    const archived = await goalWithFields(h, user, { status: 'archived' });
    const error = await refused(user, { goal_id: archived.id, conversation_id: 'c', achieved: true }, 409, 'CONFLICT');
    expect(error.message).toMatch(/archived/);
    for (const status of ['draft', 'paused']) {
      const goal = await goalWithFields(h, user, { status });
      expectOk(await record(user, { goal_id: goal.id, conversation_id: 'c', achieved: true }), 201);
    }
  });

  it("returns 404 NOT_FOUND for another owner's goal, exactly like a missing one", async () => {
    const owner = await h.makeUser();
    const intruder = await h.makeUser();
    const goal = await goalWithFields(h, owner);
    const foreign = await refused(intruder, { goal_id: goal.id, conversation_id: 'c', achieved: true }, 404, 'NOT_FOUND');
    const ghost = crypto.randomUUID();
    const missing = await refused(intruder, { goal_id: ghost, conversation_id: 'c', achieved: true }, 404, 'NOT_FOUND');
    expect(foreign.message.replace(goal.id, '<id>')).toBe(missing.message.replace(ghost, '<id>'));
  });

  it("returns 404 NOT_FOUND for an agent the caller does not own, and 409 CONFLICT in admin mode for another owner's agent", async () => {
    const owner = await h.makeUser({ admin: true });
    const other = await h.makeUser();
    const goal = await goalWithFields(h, owner);
    const foreignAgent = await h.makeAgent(other);
    const error = await refused(owner, { goal_id: goal.id, conversation_id: 'c', achieved: true, agent_id: foreignAgent.id }, 404, 'NOT_FOUND');
    expect(error.message).toMatch(/Agent/);
    const before = await snapshot(h);
    const admin = await owner.invoke({ resource: 'outcomes', action: 'record', admin: true, data: { goal_id: goal.id, conversation_id: 'c', achieved: true, agent_id: foreignAgent.id } });
    expectError(admin, 409, 'CONFLICT');
    expect(await snapshot(h)).toEqual(before);
  });

  it('records under another agent of the goal owner when agent_id names one', async () => {
    const user = await h.makeUser();
    const goal = await goalWithFields(h, user);
    const other = await h.makeAgent(user, { name: 'Night shift' });
    const outcome = expectOk(await record(user, { goal_id: goal.id, conversation_id: 'c', achieved: true, agent_id: other.id }), 201);
    expect(outcome.agent_id).toBe(other.id);
  });

  it('replays the first answer for a repeated Idempotency-Key and refuses the key with another request', async () => {
    const user = await h.makeUser();
    const goal = await goalWithFields(h, user);
    const headers = { 'Idempotency-Key': `key-${crypto.randomUUID()}` };
    const data = { goal_id: goal.id, conversation_id: 'idem', achieved: true };
    const first = await record(user, data, headers);
    const again = await record(user, data, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expectError(await record(user, { ...data, achieved: false }, headers), 409, 'CONFLICT');
  });

  it('adds owner to the outcome in admin mode', async () => {
    const admin = await h.makeUser({ admin: true });
    const owner = await h.makeUser();
    const goal = await goalWithFields(h, owner);
    const outcome = expectOk(
      await admin.invoke({ resource: 'outcomes', action: 'record', admin: true, data: { goal_id: goal.id, conversation_id: 'a', achieved: true } }),
      201,
    );
    expect(outcome.owner).toEqual({ id: owner.id, email: owner.email, name: expect.any(String) });
    expect(outcome.agent_id).toBe(goal.agent_id);
  });
});
