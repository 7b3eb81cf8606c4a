import { beforeAll, describe, expect, it } from 'vitest';
import { FIELD_TYPES } from '../../src/goals/schemas.js';
import { createHarness, type TestUser } from '../support/harness.js';
import { expectError, expectOk } from '../support/expect.js';
import { ENUM_OPTIONS, FIELD_VALUE_CASES, label } from './field-value-cases.js';
import { record } from './support.js';

const h = await createHarness();

const keyOf = (type: string) => `f_${type}`;
const FIELDS = FIELD_TYPES.map((type) => ({ key: keyOf(type), label: `A ${type}`, type, ...(type === 'enum' ? { options: ENUM_OPTIONS } : {}) }));

// NaN and ±Infinity cannot travel in JSON (they are sent as null, "not collected"): those cases
// stay with the unit test of checkFieldValue.
const sendable = (value: unknown) => JSON.stringify(value) !== 'null';

describe('outcomes.record checks each lead-info field type through the API', () => {
  let user: TestUser;
  let goalId: string;
  beforeAll(async () => {
    user = await h.makeUser();
    const goal = await h.makeGoal(user, { fields: FIELDS });
    goalId = goal.id;
    expect(goal.fields.map((f) => [f.key, f.type])).toEqual(FIELD_TYPES.map((t) => [keyOf(t), t]));
  });

  describe.each(FIELD_TYPES.map((t) => [t] as const))('%s', (type) => {
    const key = keyOf(type);

    it.each(FIELD_VALUE_CASES[type].good.map((v) => [label(v), v]))('stores %s with 201 and returns it as sent', async (_label, value) => {
      const outcome = expectOk(await record(user, { goal_id: goalId, conversation_id: crypto.randomUUID(), achieved: true, values: { [key]: value } }), 201);
      expect(outcome.values).toEqual({ [key]: value });
      expect(expectOk(await user.invoke({ resource: 'outcomes', action: 'get', id: outcome.id })).values).toEqual({ [key]: value });
    });

    it.each(FIELD_VALUE_CASES[type].bad.filter(sendable).map((v) => [label(v), v]))(
      `refuses %s with 400 VALIDATION_ERROR at data.values.${key} and stores nothing`,
      async (_label, value) => {
        const conversationId = crypto.randomUUID();
        const error = expectError(await record(user, { goal_id: goalId, conversation_id: conversationId, achieved: true, values: { [key]: value } }), 400, 'VALIDATION_ERROR');
        expect(error.details?.map((d) => d.path)).toEqual([`data.values.${key}`]);
        const page = expectOk(await user.invoke({ resource: 'outcomes', action: 'list', data: { goalId, conversationId } }));
        expect(page.items).toEqual([]);
      },
    );
  });
});
