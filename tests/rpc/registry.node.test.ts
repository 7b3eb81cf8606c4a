import { describe, expect, it } from 'vitest';
import { agentsList } from '../../src/agents/list.js';
import { goalsGet } from '../../src/goals/get.js';
import type { ActionSpec } from '../../src/rpc/define-action.js';
import { actions, buildTable } from '../../src/rpc/registry.js';

describe('the registry', () => {
  it('throws when two specs claim the same resource.action, instead of keeping the last one', () => {
    const copy: ActionSpec = { ...goalsGet, description: 'A second goals.get' };
    expect(() => buildTable([goalsGet, agentsList, copy])).toThrow('Duplicate action goals.get in the registry.');
  });

  it('holds every registered action once', () => {
    const table = buildTable(actions);
    expect([...table.values()].reduce((n, byAction) => n + byAction.size, 0)).toBe(actions.length);
  });
});
