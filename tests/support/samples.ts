import type { NewOutcome } from '../../src/outcomes/store.js';
import type { ActionKey } from '../../src/rpc/registry.js';
import type { Harness, TestUser } from './harness.js';

export interface Fixture {
  user: TestUser;
  agentId: string;
  goalId: string;
  /** A second agent of the same user, with nothing attached. */
  spareAgentId: string;
  /** An outcome of the goal. */
  outcomeId: string;
}

/** A fresh user with an agent, a goal attached to it and a spare agent. */
export async function makeFixture(h: Harness, user?: TestUser): Promise<Fixture> {
  const owner = user ?? (await h.makeUser());
  const agent = await h.makeAgent(owner);
  const spare = await h.makeAgent(owner, { name: 'Spare agent' });
  const goal = await h.makeGoal(owner, {
    agent_id: agent.id,
    targets: [{ period: 'week', target_type: 'count', target_count: 5 }],
  });
  await h.ok(owner, { resource: 'goals', action: 'attach', data: { goalId: goal.id, agentId: agent.id } });
  const outcome = await h.ok<{ id: string }>(owner, {
    resource: 'outcomes',
    action: 'record',
    data: { goal_id: goal.id, conversation_id: 'call_fixture', achieved: true },
  });
  return { user: owner, agentId: agent.id, goalId: goal.id, spareAgentId: spare.id, outcomeId: outcome.id };
}

/** The fixture with every record id replaced by one that names nothing: what "missing" looks like. */
export const ghostFixture = (f: Fixture): Fixture => ({
  user: f.user,
  agentId: crypto.randomUUID(),
  goalId: crypto.randomUUID(),
  spareAgentId: crypto.randomUUID(),
  outcomeId: crypto.randomUUID(),
});

/**
 * A valid envelope for every action, aimed at the fixture's records. Typed by the registry, so a
 * new action without a sample does not compile: the cross-cutting tests cover it by default.
 */
export const samples: Record<ActionKey, (f: Fixture) => Record<string, unknown>> = {
  'goals.list': () => ({ resource: 'goals', action: 'list', data: {} }),
  'goals.get': (f) => ({ resource: 'goals', action: 'get', id: f.goalId }),
  'goals.create': (f) => ({ resource: 'goals', action: 'create', data: { agent_id: f.agentId, name: 'Qualify lead' } }),
  'goals.update': (f) => ({ resource: 'goals', action: 'update', id: f.goalId, data: { status: 'paused' } }),
  'goals.delete': (f) => ({ resource: 'goals', action: 'delete', id: f.goalId }),
  'goals.attach': (f) => ({ resource: 'goals', action: 'attach', data: { goalId: f.goalId, agentId: f.spareAgentId } }),
  'goals.detach': (f) => ({ resource: 'goals', action: 'detach', data: { agentId: f.agentId } }),
  'goals.generate': (f) => ({
    resource: 'goals',
    action: 'generate',
    data: { description: 'Book a qualified sales meeting and collect an email address.', agentId: f.agentId },
  }),
  'goals.progress': (f) => ({ resource: 'goals', action: 'progress', id: f.goalId, data: { history: 2 } }),
  'agents.list': () => ({ resource: 'agents', action: 'list', data: {} }),
  'agents.get': (f) => ({ resource: 'agents', action: 'get', id: f.agentId }),
  'agents.create': () => ({ resource: 'agents', action: 'create', data: { name: 'Support agent' } }),
  'agents.update': (f) => ({ resource: 'agents', action: 'update', id: f.spareAgentId, data: { name: 'Renamed' } }),
  'agents.delete': (f) => ({ resource: 'agents', action: 'delete', id: f.spareAgentId }),
  // A new conversation each time, so every call creates (201) rather than replaces.
  'outcomes.record': (f) => ({
    resource: 'outcomes',
    action: 'record',
    data: { goal_id: f.goalId, conversation_id: `call_${crypto.randomUUID()}`, achieved: true },
  }),
  'outcomes.get': (f) => ({ resource: 'outcomes', action: 'get', id: f.outcomeId }),
  'outcomes.list': () => ({ resource: 'outcomes', action: 'list', data: {} }),
  'outcomes.delete': (f) => ({ resource: 'outcomes', action: 'delete', id: f.outcomeId }),
  'outcomes.evaluate': (f) => ({
    resource: 'outcomes',
    action: 'evaluate',
    data: { goal_id: f.goalId, conversation_id: 'call_1', transcript: 'Agent: Hello. User: Book me for Tuesday.' },
  }),
  'events.list': (f) => ({ resource: 'events', action: 'list', data: { goalId: f.goalId } }),
};

/** Actions whose sample names an existing record; another owner's records must look missing to them. */
export const targetsRecords = (key: ActionKey): boolean => !['goals.list', 'agents.list', 'agents.create', 'outcomes.list', 'events.list'].includes(key);

export const actionKey = (spec: { resource: string; action: string }): ActionKey => `${spec.resource}.${spec.action}` as ActionKey;

/** An outcome as record and evaluate hand it to the store: an achieved one with nothing else unless given. */
export const newOutcome = (outcome: Pick<NewOutcome, 'goal_id' | 'conversation_id' | 'occurred_at'> & Partial<NewOutcome>): NewOutcome => ({
  id: crypto.randomUUID(),
  agent_id: undefined,
  channel_id: null,
  contact_id: null,
  achieved: true,
  values: {},
  missing_required: [],
  source: 'api',
  evaluation: null,
  notes: null,
  ...outcome,
});
