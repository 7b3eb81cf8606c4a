import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { allTools } from '../../src/mcp/tools.js';
import { catalogDocuments } from '../../src/rpc/catalog.js';
import type { ActionSpec } from '../../src/rpc/define-action.js';
import { actions } from '../../src/rpc/registry.js';
import { actionKey, samples, type Fixture } from '../support/samples.js';
import { argumentsOf } from './support.js';

const specs = actions as readonly ActionSpec[];
const isRead = (spec: ActionSpec) => spec.scope.endsWith(':read');
const ajv = new Ajv2020({ strict: true, allErrors: true, validateFormats: false });
const ids = (): Fixture => ({
  user: null as never,
  agentId: crypto.randomUUID(),
  goalId: crypto.randomUUID(),
  spareAgentId: crypto.randomUUID(),
  outcomeId: crypto.randomUUID(),
});

/** DESIGN section 8, by action name: a write not named here has not been decided yet. */
const DESTRUCTIVE_WRITES = ['update', 'delete', 'detach'];
const IDEMPOTENT_WRITES = ['update', 'delete', 'attach', 'detach', 'outcomes.record'];
const REPEATING_WRITES = ['create', 'generate', 'evaluate'];

describe.each(specs.map((spec) => [`${spec.resource}.${spec.action}`, spec] as const))('%s', (key, spec) => {
  const tool = allTools().get(`${spec.resource}_${spec.action}`);
  const entry = catalogDocuments().catalog.resources[spec.resource]?.actions[spec.action];

  it('states on its spec whether it is destructive and naturally idempotent', () => {
    expect(typeof spec.destructive, 'destructive').toBe('boolean');
    expect(typeof spec.naturallyIdempotent, 'naturallyIdempotent').toBe('boolean');
  });

  it("states them as DESIGN section 8 says for its kind", () => {
    if (isRead(spec)) {
      expect(spec).toMatchObject({ destructive: false, naturallyIdempotent: true });
      return;
    }
    expect(spec.destructive).toBe(DESTRUCTIVE_WRITES.includes(spec.action));
    const idempotent = IDEMPOTENT_WRITES.includes(spec.action) || IDEMPOTENT_WRITES.includes(key);
    const repeating = REPEATING_WRITES.includes(spec.action);
    expect(idempotent !== repeating, `decide whether repeating ${key} changes anything, here and in DESIGN section 8`).toBe(true);
    expect(spec.naturallyIdempotent).toBe(idempotent);
  });

  it('is published as a tool with every annotation explicit', () => {
    expect(tool?.definition.annotations).toEqual({
      readOnlyHint: isRead(spec),
      destructiveHint: spec.destructive,
      idempotentHint: spec.naturallyIdempotent,
      openWorldHint: false,
    });
    expect(tool?.definition.description).toContain(spec.description);
  });

  it.each(['user', 'admin'] as const)("takes the catalog's data keys (%s view) at the top level, with id, admin and idempotency_key where they apply", (role) => {
    const schema = allTools(role).get(`${spec.resource}_${spec.action}`)?.definition.inputSchema;
    const data = (role === 'admin' ? entry?.admin_input : entry?.input) as { properties?: Record<string, unknown>; required?: string[] };
    // The envelope as published: one object, or one per admin mode (`oneOf`); id and admin read alike.
    const envelope = entry?.envelope as { properties?: Record<string, Record<string, unknown>>; oneOf?: { properties: Record<string, Record<string, unknown>> }[] };
    const published = envelope.properties ?? envelope.oneOf?.[0]?.properties ?? {};
    expect(schema).toMatchObject({ type: 'object', additionalProperties: false });
    expect(['additionalProperties', 'not', 'properties', 'required', 'type']).toEqual(expect.arrayContaining(Object.keys(schema ?? {})));
    expect(schema?.properties).toEqual({
      ...(spec.id === 'required' ? { id: published.id } : {}),
      ...data.properties,
      admin: { type: 'boolean', description: published.admin?.description },
      ...(spec.idempotent ? { idempotency_key: expect.objectContaining({ type: 'string', minLength: 1, maxLength: 255 }) } : {}),
    });
    expect(schema?.required).toEqual([...(spec.id === 'required' ? ['id'] : []), ...(data.required ?? [])]);
  });

  it("accepts the sample's arguments and refuses an unknown one, as the dispatcher does", () => {
    const validate = ajv.compile(tool?.definition.inputSchema ?? {});
    const args = argumentsOf(samples[actionKey(spec)](ids()));
    expect(validate(args), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...args, surprise: 1 })).toBe(false);
    if (entry?.input.minProperties === 1) expect(validate(spec.id === 'required' ? { id: args.id } : {})).toBe(false);
  });

  it('returns an object, so its result is the structured content as it is', () => {
    expect(entry?.result).toMatchObject({ type: 'object' });
  });
});

describe('the tool set', () => {
  it('shows admin-only keys (ownerId) to admins only, and says so in their description', () => {
    expect(Object.keys(allTools('user').get('goals_list')?.definition.inputSchema.properties ?? {})).not.toContain('ownerId');
    const admin = allTools('admin').get('goals_list')?.definition;
    expect(Object.keys(admin?.inputSchema.properties ?? {})).toContain('ownerId');
    expect(admin?.description).toContain('`ownerId`');
  });

  it('has one uniquely named tool per registry action', () => {
    expect([...allTools().keys()].sort()).toEqual(specs.map((s) => `${s.resource}_${s.action}`).sort());
  });

  it('says "at least one of" in the description where data needs a key, since a root anyOf is refused by LLM APIs', () => {
    const update = allTools().get('goals_update');
    expect(update?.definition.description).toMatch(/Give at least one of: name, [a-zA-Z_, ]*fields[a-zA-Z_, ]*\.$/);
  });
});
