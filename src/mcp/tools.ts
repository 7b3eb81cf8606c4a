import type { JSONObject, Tool, ToolAnnotations } from '@modelcontextprotocol/server';
import type { Principal } from '../auth/principal.js';
import { hasScope } from '../auth/scopes.js';
import { isPlainObject } from '../platform/objects.js';
import { catalogDocuments, envelopeKeySchemas, type CatalogAction } from '../rpc/catalog.js';
import type { ActionSpec } from '../rpc/define-action.js';
import type { ErrorDetail } from '../rpc/errors.js';
import { IDEMPOTENCY_KEY_JSON_SCHEMA, parseIdempotencyKey } from '../rpc/idempotency.js';
import { actions } from '../rpc/registry.js';

/** One registry action as an MCP tool: the spec runs it, the definition is what `tools/list` shows. */
export interface GoalpostTool {
  spec: ActionSpec;
  definition: Tool & { annotations: Required<Pick<ToolAnnotations, 'readOnlyHint' | 'destructiveHint' | 'idempotentHint' | 'openWorldHint'>> };
}

/** Tool arguments that are not keys of the action's `data`. */
const ENVELOPE_ARGUMENTS = ['id', 'admin', 'idempotency_key'] as const;

export const toolName = (spec: Pick<ActionSpec, 'resource' | 'action'>): string => `${spec.resource}_${spec.action}`;

/** An action of a read scope only reads: the tool's `readOnlyHint`. */
export const isReadAction = (spec: Pick<ActionSpec, 'scope'>): boolean => spec.scope.endsWith(':read');

/**
 * DESIGN section 8's hints, from the data every action states. Should an action not state them
 * (a test forbids it), MCP's own cautious defaults apply: destructive, not idempotent.
 */
export function annotationsOf(spec: ActionSpec): GoalpostTool['definition']['annotations'] {
  return {
    readOnlyHint: isReadAction(spec),
    destructiveHint: spec.destructive ?? true,
    idempotentHint: spec.naturallyIdempotent ?? false,
    // Every tool acts on this service's own records; `generate` asks an LLM but changes nothing outside.
    openWorldHint: false,
  };
}

const IDEMPOTENCY_KEY_ARGUMENT = {
  ...IDEMPOTENCY_KEY_JSON_SCHEMA,
  description:
    'Optional, makes a retry safe: the same key with the same arguments replays the first result for 24 hours (nothing is done twice); with other arguments it is a CONFLICT.',
};

const objectOf = (value: unknown): Record<string, unknown> => (isPlainObject(value) ? value : {});

/** The catalog's schemas are JSON by construction (z.toJSONSchema); a copy makes it true for the type too. */
const jsonCopy = (value: Record<string, unknown>): JSONObject => JSON.parse(JSON.stringify(value)) as JSONObject;

/**
 * The tool's input schema: the action's `data` keys at the top level, beside `id` (when the action
 * takes one), `admin` and `idempotency_key` (when honoured), each from the catalog's own schemas.
 * The data's root rules stay exact at the top level: its `not` (aliases not both, one of them
 * required) as it is, and "at least one key" (`minProperties: 1`, which the extra arguments would
 * break) as "not none of the data keys". Any other root keyword throws, so a new one gets decided.
 */
function inputSchemaOf(spec: ActionSpec, data: CatalogAction['input']): Tool['inputSchema'] {
  const { type, properties, required, additionalProperties, minProperties, not, ...unhandled } = data;
  const name = toolName(spec);
  if (type !== 'object' || additionalProperties !== false || Object.keys(unhandled).length > 0) {
    throw new Error(`${name}: the data schema's root (${Object.keys(unhandled).join(', ')}) has no tool equivalent yet`);
  }
  if (minProperties !== undefined && minProperties !== 1) throw new Error(`${name}: minProperties ${String(minProperties)} has no tool equivalent yet`);
  const dataProperties = objectOf(properties);
  const clash = ENVELOPE_ARGUMENTS.filter((key) => key in dataProperties);
  if (clash.length > 0) throw new Error(`${name}: data keys ${clash.join(', ')} clash with tool arguments`);

  // Schemas the arguments must not match; one root `not` of their `anyOf` says all of them.
  const forbidden: unknown[] = [];
  if (isPlainObject(not)) forbidden.push(...(Object.keys(not).length === 1 && Array.isArray(not.anyOf) ? not.anyOf : [not]));
  if (minProperties === 1) forbidden.push({ properties: Object.fromEntries(Object.keys(dataProperties).map((key) => [key, false])) });

  const envelope = envelopeKeySchemas();
  const dataRequired = Array.isArray(required) ? required.filter((key): key is string => typeof key === 'string') : [];
  return {
    type: 'object',
    properties: jsonCopy({
      ...(spec.id === 'required' ? { id: envelope.id } : {}),
      ...dataProperties,
      admin: envelope.admin,
      ...(spec.idempotent === true ? { idempotency_key: IDEMPOTENCY_KEY_ARGUMENT } : {}),
    }),
    required: [...(spec.id === 'required' ? ['id'] : []), ...dataRequired],
    additionalProperties: false,
    ...(forbidden.length === 0 ? {} : jsonCopy({ not: forbidden.length === 1 ? forbidden[0] : { anyOf: forbidden } })),
  };
}

/**
 * The envelope's description (for admins it also names the admin-only keys); "at least one of" is
 * said in words too: a model reads the description before the schema's `not`.
 */
function descriptionOf(spec: ActionSpec, entry: CatalogAction, data: CatalogAction['input'], admin: boolean): string {
  const base = admin && typeof entry.envelope.description === 'string' ? entry.envelope.description : spec.description;
  if (data.minProperties !== 1) return base;
  return `${base} Give at least one of: ${Object.keys(objectOf(data.properties)).join(', ')}.`;
}

type Role = Principal['role'];
let tools: Record<Role, ReadonlyMap<string, GoalpostTool>> | undefined;

/**
 * Every action as a tool, built once from the catalog (the registry does not change while running).
 * Admins see the admin-mode input (its admin-only keys, such as `ownerId`); other callers the plain one.
 */
export function allTools(role: Role = 'user'): ReadonlyMap<string, GoalpostTool> {
  if (!tools) {
    const { resources } = catalogDocuments().catalog;
    const built: Record<Role, Map<string, GoalpostTool>> = { user: new Map(), admin: new Map() };
    for (const spec of actions as readonly ActionSpec[]) {
      const entry = resources[spec.resource]?.actions[spec.action];
      if (!entry) throw new Error(`${spec.resource}.${spec.action} is missing from the catalog`);
      const name = toolName(spec);
      for (const view of ['user', 'admin'] as const) {
        const data = view === 'admin' ? entry.admin_input : entry.input;
        built[view].set(name, {
          spec,
          definition: {
            name,
            description: descriptionOf(spec, entry, data, view === 'admin'),
            inputSchema: inputSchemaOf(spec, data),
            annotations: annotationsOf(spec),
          },
        });
      }
    }
    tools = built;
  }
  return tools[role];
}

/** The tools a caller may use: one per action its scopes allow, in its role's view. */
export const toolsFor = (principal: Principal): GoalpostTool[] =>
  [...allTools(principal.role).values()].filter((tool) => hasScope(principal.scopes, tool.spec.scope));

/**
 * Tool arguments → the envelope `/invoke` would receive. `id` and `admin` always go to the envelope
 * (so a misplaced one fails as it does there); `idempotency_key` only where honoured, else it stays
 * in `data` and is reported as an unknown key.
 */
export function envelopeOf(spec: ActionSpec, args: Record<string, unknown>): { envelope: Record<string, unknown>; idempotencyKey: string | undefined } {
  const { id, admin, idempotency_key: key, ...rest } = args;
  const honoursKey = spec.idempotent === true;
  const data = honoursKey || key === undefined ? rest : { ...rest, idempotency_key: key };
  const envelope: Record<string, unknown> = { resource: spec.resource, action: spec.action, data };
  if (id !== undefined) envelope.id = id;
  if (admin !== undefined) envelope.admin = admin;
  // A key that is not a string fails the same check as a malformed one (an empty string does).
  const idempotencyKey = honoursKey && key !== undefined ? parseIdempotencyKey(typeof key === 'string' ? key : '', 'idempotency_key') : undefined;
  return { envelope, idempotencyKey };
}

/** `data.fields.2.key` → `fields.2.key`: error paths name the tool's own (flat) arguments. */
export const argumentDetails = (details: readonly ErrorDetail[]): ErrorDetail[] =>
  details.map((d) => ({ ...d, path: d.path === 'data' ? '' : d.path.startsWith('data.') ? d.path.slice('data.'.length) : d.path }));
