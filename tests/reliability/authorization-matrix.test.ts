import { afterAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../../src/auth/scopes.js';
import type { ActionSpec } from '../../src/rpc/define-action.js';
import { actions, type ActionKey } from '../../src/rpc/registry.js';
import { createHarness, type Harness, type TestUser } from '../support/harness.js';
import { actionKey, makeFixture, samples, targetsRecords, type Fixture } from '../support/samples.js';
import { startWorkingLlm } from './support/llm.js';

/**
 * Every registered action × whose record it names × who calls, with the status the contract
 * predicts. Another owner's rows must come out byte-identical, and lists must never show them.
 */
const llm = await startWorkingLlm();
afterAll(() => llm.fake.close());
const h = await createHarness({ env: llm.env });

const TARGETS = ['own', 'foreign', 'missing', 'malformed'] as const;
const CALLERS = ['full key', 'read-only key', 'no key', 'admin without admin mode', 'admin in admin mode', 'user asking for admin mode'] as const;
type Target = (typeof TARGETS)[number];
type Caller = (typeof CALLERS)[number];

const CODES: Record<number, string> = { 400: 'VALIDATION_ERROR', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND' };

/** goals.list and events.list name a record through a filter (agentId, goalId); the other lists and agents.create name none. */
const filtersByRecord = (key: ActionKey): boolean => key === 'goals.list' || key === 'events.list';
const namesRecord = (key: ActionKey): boolean => targetsRecords(key) || filtersByRecord(key);

/** The contract's order: 401 → 400 (envelope) → 403 → 400 (data) → 404. */
function expectedStatus(key: ActionKey, spec: ActionSpec, target: Target, caller: Caller): number {
  const success = spec.successStatus ?? 200;
  if (caller === 'no key') return 401;
  const named = namesRecord(key);
  if (named && target === 'malformed' && spec.id === 'required') return 400;
  if (caller === 'read-only key' && spec.scope.endsWith(':write')) return 403;
  if (caller === 'user asking for admin mode') return 403;
  if (named && target === 'malformed') return 400;
  if (!named || filtersByRecord(key)) return success;
  if (target === 'missing') return 404;
  if (target === 'foreign' && caller !== 'admin in admin mode') return 404;
  return success;
}

function envelopeFor(key: ActionKey, fixture: Fixture, adminMode: boolean): Record<string, unknown> {
  const base = key === 'goals.list' ? { resource: 'goals', action: 'list', data: { agentId: fixture.agentId } } : samples[key](fixture);
  return adminMode ? { ...base, admin: true } : base;
}

const ghost = (user: TestUser, id: () => string): Fixture => ({ user, agentId: id(), goalId: id(), spareAgentId: id(), outcomeId: id() });

/** Every row that belongs to `userId`, as stored. */
async function rowsOf(h: Harness, userId: string) {
  const k = h.db.kysely;
  const agents = await k.selectFrom('agents').selectAll().where('owner_id', '=', userId).orderBy('id').execute();
  return {
    user: await k.selectFrom('users').selectAll().where('id', '=', userId).execute(),
    keys: await k.selectFrom('api_keys').select(['id', 'hash', 'scopes', 'revoked_at', 'expires_at']).where('user_id', '=', userId).orderBy('id').execute(),
    agents,
    goals: await k.selectFrom('goals').selectAll().where('owner_id', '=', userId).orderBy('id').execute(),
    attachments: await k
      .selectFrom('attachments')
      .selectAll()
      .where('agent_id', 'in', agents.length > 0 ? agents.map((a) => a.id) : [''])
      .orderBy('agent_id')
      .execute(),
  };
}

async function callerFor(caller: Caller): Promise<{ user: TestUser; owner: TestUser; adminMode: boolean }> {
  switch (caller) {
    case 'read-only key': {
      const owner = await h.makeUser();
      return { owner, user: await h.makeUser({ email: owner.email, scopes: SCOPES.filter((s) => s.endsWith(':read')) }), adminMode: false };
    }
    case 'admin without admin mode':
    case 'admin in admin mode': {
      const owner = await h.makeUser({ admin: true });
      return { owner, user: owner, adminMode: caller === 'admin in admin mode' };
    }
    case 'user asking for admin mode': {
      const owner = await h.makeUser();
      return { owner, user: owner, adminMode: true };
    }
    default: {
      const owner = await h.makeUser();
      return { owner, user: owner, adminMode: false };
    }
  }
}

const cells = (actions as readonly ActionSpec[]).flatMap((spec) =>
  CALLERS.flatMap((caller) => TARGETS.map((target) => [actionKey(spec), caller, target, spec] as const)),
);

describe('authorization matrix', () => {
  it.each(cells)('%s × %s × %s record', async (key, caller, target, spec) => {
    const stranger = await makeFixture(h);
    const { user, owner, adminMode } = await callerFor(caller);
    const mine = await makeFixture(h, owner);
    const fixture: Fixture = {
      own: mine,
      foreign: stranger,
      missing: ghost(owner, () => crypto.randomUUID()),
      malformed: ghost(owner, () => 'not-a-uuid'),
    }[target];
    const strangerBefore = await rowsOf(h, stranger.user.id);

    const reply = await user.invoke(envelopeFor(key, fixture, adminMode), caller === 'no key' ? { token: null } : {});

    const status = expectedStatus(key, spec, target, caller);
    expect(reply.status, JSON.stringify(reply.body)).toBe(status);
    if (status >= 400) expect(reply.body.error?.code).toBe(CODES[status]);

    const mayTouchStranger = caller === 'admin in admin mode' && target === 'foreign' && spec.scope.endsWith(':write');
    if (!mayTouchStranger) expect(await rowsOf(h, stranger.user.id)).toEqual(strangerBefore);

    if (spec.action === 'list' && reply.status === 200) {
      const listed = JSON.stringify(reply.body.data.items);
      const strangerIds = [stranger.agentId, stranger.goalId, stranger.spareAgentId];
      const shown = strangerIds.filter((id) => listed.includes(id));
      if (caller !== 'admin in admin mode') expect(shown).toEqual([]);
      else if (target === 'foreign' || key === 'agents.list') expect(shown.length).toBeGreaterThan(0);
    }
  });
});
