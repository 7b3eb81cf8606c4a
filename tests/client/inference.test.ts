import { describe, expectTypeOf, it } from 'vitest';
import { ApiService, createClient, type ActionInput, type FailureBody, type InvokeResult } from '../../src/client/index.js';
import type { Agent } from '../../src/agents/schemas.js';
import type { Goal } from '../../src/goals/schemas.js';

// Checked by `npm run typecheck` (tsc over tests/): each @ts-expect-error must stay an error.
// The calls live in functions that never run; only their types matter.
const client = createClient({ baseUrl: 'http://127.0.0.1:1', token: 'gp_x' });
const goalId = '00000000-0000-4000-8000-000000000000';

describe('client types inferred from the registry', () => {
  it('types each action result from its zod result schema', () => {
    const calls = async () => {
      const created = await client.invoke({ resource: 'goals', action: 'create', data: { agent_id: goalId, name: 'Book' } });
      expectTypeOf(created).toEqualTypeOf<InvokeResult<Goal>>();
      if (created.success) {
        expectTypeOf(created.data).toEqualTypeOf<Goal>();
        expectTypeOf(created.data.fields).items.toHaveProperty('type').toEqualTypeOf<Goal['fields'][number]['type']>();
      } else {
        expectTypeOf(created.error.code).toExtend<string>();
        expectTypeOf(created).toEqualTypeOf<FailureBody>();
      }
      const page = await client.invoke({ resource: 'agents', action: 'list' });
      if (page.success) expectTypeOf(page.data.items).toEqualTypeOf<Agent[]>();
      const removed = await ApiService.invoke({ resource: 'goals', action: 'delete', id: goalId });
      if (removed.success) expectTypeOf(removed.data).toEqualTypeOf<{ id: string; deleted: true }>();
      const generated = await client.invoke({ resource: 'goals', action: 'generate', data: { description: 'Book demos' } });
      if (generated.success) {
        expectTypeOf(generated.data.model).toEqualTypeOf<string>();
        expectTypeOf(generated.data.suggestion.status).toEqualTypeOf<'draft'>();
      }
      const attached = await client.invoke({ resource: 'goals', action: 'attach', data: { goalId, agentId: goalId } });
      if (attached.success) expectTypeOf(attached.data.replaced_goal_id).toEqualTypeOf<string | null>();
    };
    expectTypeOf(calls).toBeFunction();
  });

  it('takes the input side of schemas: defaulted keys are optional, outputs are not', () => {
    expectTypeOf<ActionInput<'goals', 'create'>['status']>().toEqualTypeOf<'draft' | 'active' | 'paused' | 'archived' | undefined>();
    expectTypeOf<ActionInput<'goals', 'create'>['agent_id']>().toEqualTypeOf<string>();
    expectTypeOf<Goal['status']>().toEqualTypeOf<'draft' | 'active' | 'paused' | 'archived'>();
  });

  it('rejects wrong resources, actions, data keys, data types and id rules at compile time', () => {
    const calls = () => {
      // @ts-expect-error unknown resource
      void client.invoke({ resource: 'users', action: 'list' });
      // @ts-expect-error unknown action of a known resource
      void client.invoke({ resource: 'agents', action: 'attach', data: { goalId, agentId: goalId } });
      // @ts-expect-error a data key the action does not take
      void client.invoke({ resource: 'goals', action: 'create', data: { agent_id: goalId, name: 'x', colour: 'red' } });
      // @ts-expect-error a missing required data key
      void client.invoke({ resource: 'goals', action: 'create', data: { agent_id: goalId } });
      // @ts-expect-error data is required for create
      void client.invoke({ resource: 'agents', action: 'create' });
      // @ts-expect-error a value of the wrong type
      void client.invoke({ resource: 'goals', action: 'update', id: goalId, data: { priority: 'high' } });
      // @ts-expect-error a status outside the enum
      void client.invoke({ resource: 'goals', action: 'list', data: { status: 'done' } });
      // @ts-expect-error get needs an id
      void client.invoke({ resource: 'goals', action: 'get' });
      // @ts-expect-error list takes no id
      void client.invoke({ resource: 'goals', action: 'list', id: goalId });
      // @ts-expect-error an unknown envelope key
      void client.invoke({ resource: 'goals', action: 'list', admn: true });
      // @ts-expect-error a batch item with a wrong data key
      void client.batch([{ resource: 'goals', action: 'list', data: { state: 'active' } }]);
      // @ts-expect-error a batch item with an unknown action
      void client.batch([{ resource: 'goals', action: 'archive', id: goalId }]);
      // @ts-expect-error generate takes a description, not a prompt
      void client.invoke({ resource: 'goals', action: 'generate', data: { prompt: 'Book demos' } });
      // @ts-expect-error token and getToken are exclusive
      createClient({ baseUrl: '', token: 'a', getToken: () => 'b' });
      // @ts-expect-error credentials are required
      createClient({ baseUrl: '' });
    };
    expectTypeOf(calls).toBeFunction();
  });

  it('types a batch as a tuple of per-item results, in order', () => {
    const calls = async () => {
      const reply = await client.batch([
        { resource: 'goals', action: 'list', data: { status: 'active' } },
        { resource: 'agents', action: 'get', id: goalId },
      ]);
      if (reply.success) {
        const [goals, agent] = reply.data;
        expectTypeOf(goals).toEqualTypeOf<InvokeResult<{ items: Goal[]; count: number; has_more: boolean; next_cursor: string | null }>>();
        expectTypeOf(agent).toEqualTypeOf<InvokeResult<Agent>>();
        expectTypeOf(reply.data).toHaveProperty('length').toEqualTypeOf<2>();
      }
    };
    expectTypeOf(calls).toBeFunction();
  });
});
