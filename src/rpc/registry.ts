import { agentsCreate } from '../agents/create.js';
import { agentsDelete } from '../agents/delete.js';
import { agentsGet } from '../agents/get.js';
import { agentsList } from '../agents/list.js';
import { agentsUpdate } from '../agents/update.js';
import { eventsList } from '../events/list.js';
import { goalsAttach } from '../goals/attach.js';
import { goalsCreate } from '../goals/create.js';
import { goalsDelete } from '../goals/delete.js';
import { goalsDetach } from '../goals/detach.js';
import { goalsGenerate } from '../goals/generate.js';
import { goalsGet } from '../goals/get.js';
import { goalsList } from '../goals/list.js';
import { goalsProgress } from '../goals/progress.js';
import { goalsUpdate } from '../goals/update.js';
import { outcomesDelete } from '../outcomes/delete.js';
import { outcomesGet } from '../outcomes/get.js';
import { outcomesList } from '../outcomes/list.js';
import { outcomesRecord } from '../outcomes/record.js';
import { outcomesEvaluate } from '../outcomes/evaluate.js';
import type { ActionSpec } from './define-action.js';

/** Every action of the API: the dispatcher's table, the catalog and the typed client's source. */
export const actions = [
  goalsList,
  goalsGet,
  goalsCreate,
  goalsUpdate,
  goalsDelete,
  goalsAttach,
  goalsDetach,
  goalsGenerate,
  goalsProgress,
  agentsList,
  agentsGet,
  agentsCreate,
  agentsUpdate,
  agentsDelete,
  outcomesRecord,
  outcomesGet,
  outcomesList,
  outcomesDelete,
  outcomesEvaluate,
  eventsList,
] as const;

export type Registry = typeof actions;
export type AnyAction = Registry[number];

/** `"goals.attach"`, … : one literal per registered action. */
export type ActionKey = AnyAction extends infer S
  ? S extends { resource: infer R extends string; action: infer A extends string }
    ? `${R}.${A}`
    : never
  : never;

/** resource → action → spec. A second spec for one `resource.action` is a bug: it throws at start-up. */
export function buildTable(specs: readonly ActionSpec[]): Map<string, Map<string, ActionSpec>> {
  const table = new Map<string, Map<string, ActionSpec>>();
  for (const spec of specs) {
    const byAction = table.get(spec.resource) ?? new Map<string, ActionSpec>();
    if (byAction.has(spec.action)) throw new Error(`Duplicate action ${spec.resource}.${spec.action} in the registry.`);
    byAction.set(spec.action, spec);
    table.set(spec.resource, byAction);
  }
  return table;
}

const table = buildTable(actions);

export const resourceNames = (): string[] => [...table.keys()];
export const actionNames = (resource: string): string[] => [...(table.get(resource)?.keys() ?? [])];
export const findResource = (resource: string): ReadonlyMap<string, ActionSpec> | undefined => table.get(resource);
