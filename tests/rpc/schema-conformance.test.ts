import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Catalog, CatalogAction } from '../../src/rpc/catalog.js';
import { actions } from '../../src/rpc/registry.js';
import { bySchemaName, completion, startFakeOpenAi } from '../support/fake-openai.js';
import { createHarness, type TestUser } from '../support/harness.js';
import { actionKey, makeFixture, samples, type Fixture } from '../support/samples.js';

/*
 * The published schemas, taken at their word: inputs generated from each action's published
 * envelope (GET /schema) must never be refused with 400, and inputs that break a published rule
 * must be. Works from the catalog alone, so every registered action is covered by construction.
 */

const fake = await startFakeOpenAi();
fake.fallback(
  bySchemaName({
    goal_suggestion: completion({ name: 'Book a meeting', description: null, priority: 5, fields: [] }),
    conversation_evaluation: completion({ verdict: 'unknown', rationale: 'Too short to tell.', confidence: 0.5, values: [] }),
  }),
);
afterAll(() => fake.close());
const h = await createHarness({ env: { OPENAI_BASE_URL: fake.url, GENERATE_PER_MINUTE: '100000', EVALUATE_PER_MINUTE: '100000' } });

const catalog = (await (await h.request('/schema')).json()) as Catalog;
const entries = Object.values(catalog.resources).flatMap((r) => Object.values(r.actions));
const entryOf = (key: string): CatalogAction => {
  const found = entries.find((a) => `${a.resource}.${a.action}` === key);
  if (!found) throw new Error(`${key} is not in /schema`);
  return found;
};

// Formats are also published as `pattern`, which ajv checks; strict mode catches schema mistakes.
const ajv = new Ajv2020({ strict: true, allErrors: true, validateFormats: false });
const compiled = new Map<object, ValidateFunction>();
const validatorOf = (schema: object): ValidateFunction => {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
};

type Schema = Record<string, unknown>;
const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const schemaList = (v: unknown): Schema[] => (Array.isArray(v) ? v.filter(isSchema) : []);
const num = (v: unknown, fallback: number): number => (typeof v === 'number' ? v : fallback);

/** Strings chosen by the test for a key (real ids, real cursors); undefined leaves it to the schema. */
type StringHint = (key: string, schema: Schema) => fc.Arbitrary<string> | undefined;

/** Samples a format when fast-check cannot read its pattern (lookarounds, …). */
const formatSamples: Record<string, fc.Arbitrary<string>> = {
  uuid: fc.uuid(),
  'date-time': fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  date: fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  email: fc.emailAddress(),
  uri: fc.webUrl(),
};

/**
 * Strings the schema allows, from its pattern, from Unicode text, and at its length limits. Lengths
 * are also kept in UTF-16 code units, as the server counts them (published in `text_rules`).
 */
function stringOf(schema: Schema): fc.Arbitrary<string> {
  const pattern = typeof schema.pattern === 'string' ? new RegExp(schema.pattern, 'u') : undefined;
  const min = num(schema.minLength, 0);
  const max = num(schema.maxLength, 1000);
  const fits = (v: string) => v.length >= min && v.length <= max && (pattern?.test(v) ?? true);
  const sources: fc.Arbitrary<string>[] = [
    fc.string({ unit: 'grapheme', minLength: min, maxLength: Math.min(max, 30) }),
    fc.constantFrom('x'.repeat(max), 'x'.repeat(Math.max(min, 1)), `${' '.repeat(Math.max(max - 1, 0))}x`, `Café 🤝 ${'é'.repeat(Math.max(max - 9, 0))}`),
  ];
  const format = typeof schema.format === 'string' ? formatSamples[schema.format] : undefined;
  if (format) sources.push(format);
  if (pattern) {
    try {
      sources.push(fc.stringMatching(pattern));
    } catch {
      if (!format) throw new Error(`fast-check cannot sample pattern ${pattern.source}: add a format sample`);
    }
  }
  return fc.oneof(...sources).filter(fits);
}

/** An arbitrary for the JSON Schema subset the catalog uses; the final ajv check covers the rest. */
function arbitraryOf(schema: Schema, key: string, hint: StringHint): fc.Arbitrary<unknown> {
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const branches = schemaList(schema.anyOf ?? schema.oneOf);
  if (branches.length > 0) {
    const { anyOf: _any, oneOf: _one, ...rest } = schema;
    return fc.oneof(...branches.map((b) => arbitraryOf({ ...rest, ...b }, key, hint)));
  }
  if (Array.isArray(schema.type)) return fc.oneof(...schema.type.map((t) => arbitraryOf({ ...schema, type: t }, key, hint)));
  switch (schema.type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer': {
      const [min, max] = [num(schema.minimum, -1e6), num(schema.maximum, 1e6)];
      return fc.oneof(fc.constantFrom(min, max), fc.integer({ min, max }));
    }
    case 'number':
      return fc.double({ min: num(schema.minimum, -1e6), max: num(schema.maximum, 1e6), noNaN: true, noDefaultInfinity: true });
    case 'string':
      return hint(key, schema) ?? stringOf(schema);
    case 'array': {
      const items = arbitraryOf(isSchema(schema.items) ? schema.items : {}, key, hint);
      // Few items: most list schemas multiply (50 fields × 50 options) past the body limit.
      const bounds = { minLength: num(schema.minItems, 0), maxLength: Math.min(num(schema.maxItems, 5), 5) };
      return schema.uniqueItems === true ? fc.uniqueArray(items, { ...bounds, selector: (v) => JSON.stringify(v) }) : fc.array(items, bounds);
    }
    case 'object': {
      const properties = isSchema(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
      // Each optional key present one time in two (fast-check's own odds are higher): inputs with
      // exclusive keys (aliases, evaluate's goal_id or agent_id) stay likely enough to be valid.
      const record = Object.fromEntries(
        Object.entries(properties)
          .filter(([, s]) => isSchema(s))
          .map(([k, s]) => {
            const value = arbitraryOf(s as Schema, k, hint);
            return [k, required.includes(k) ? value : fc.option(value, { nil: undefined, freq: 2 })];
          }),
      );
      return fc.record(record);
    }
    default:
      throw new Error(`the generator does not know ${JSON.stringify(schema).slice(0, 120)}`);
  }
}

/** The test harness's clock starts here; a goal made by the fixture is created this day (or the day before, west of UTC). */
const CLOCK_START = Date.parse('2026-01-01T00:00:00.000Z');

/**
 * The rules published in prose only (JSON Schema cannot say them): a goal's field keys are unique;
 * at most one target is primary; a total target's deadline is not before its start (the goal's
 * creation day when not given); an outcome's occurred_at is at most 5 minutes ahead of the clock;
 * the turns of a transcript hold at most 200,000 characters of text in all.
 */
function keepsProseRules(value: unknown): boolean {
  if (Array.isArray(value)) {
    const keys = value.flatMap((v) => (isSchema(v) && typeof v.key === 'string' ? [v.key] : []));
    const primaries = value.filter((v) => isSchema(v) && v.is_primary === true).length;
    const datesInOrder = value.every(
      (v) => !isSchema(v) || typeof v.deadline !== 'string' || v.deadline >= (typeof v.start_date === 'string' ? v.start_date : '2026-01-02'),
    );
    return new Set(keys).size === keys.length && primaries <= 1 && datesInOrder && value.every(keepsProseRules);
  }
  if (!isSchema(value)) return true;
  const occurred = value.occurred_at ?? value.occurredAt;
  if (typeof occurred === 'string' && Date.parse(occurred) > CLOCK_START + 5 * 60_000) return false;
  // evaluate: the text of a transcript's turns totals at most 200,000 characters.
  const turns = Array.isArray(value.transcript) ? value.transcript : [];
  if (turns.reduce((n: number, t) => n + (isSchema(t) && typeof t.text === 'string' ? t.text.length : 0), 0) > 200_000) return false;
  return Object.values(value).every(keepsProseRules);
}

const normalize = (key: string) => key.toLowerCase().replace(/_/g, '');

/**
 * Real ids for id-like keys (from the fixture and the action's sample), and real cursors for
 * `cursor`: a made-up one is refused, as its description says. Without a second page there is no
 * real cursor, and envelopes with one are left out.
 */
async function hintsFor(key: string, f: Fixture): Promise<{ hint: StringHint; usable: (envelope: Schema) => boolean }> {
  const sample = samples[key as keyof typeof samples](f);
  const known = new Map<string, string>([
    ['agentid', f.agentId],
    ['goalid', f.goalId],
  ]);
  if (typeof sample.id === 'string') known.set('id', sample.id);
  for (const [k, v] of Object.entries(isSchema(sample.data) ? sample.data : {})) if (typeof v === 'string') known.set(normalize(k), v);

  const { resource, action, admin_input } = entryOf(key);
  const cursors: string[] = [];
  if (isSchema(admin_input.properties) && 'cursor' in admin_input.properties) {
    const page = await f.user.invoke({ resource, action, data: { limit: 1 } });
    const next = (page.body.data as { next_cursor?: unknown } | undefined)?.next_cursor;
    if (typeof next === 'string') cursors.push(next);
  }
  const hint: StringHint = (name, schema) => {
    // Past instants only: most of the published pattern's range is more than 5 minutes ahead (a prose rule).
    if (normalize(name) === 'occurredat') return fc.date({ min: new Date('2000-01-01'), max: new Date(CLOCK_START), noInvalidDate: true }).map((d) => d.toISOString());
    const id = known.get(normalize(name));
    if (id !== undefined && schema.format === 'uuid') return fc.constantFrom(id, id.toUpperCase());
    if (name === 'cursor' && cursors.length > 0) return fc.constantFrom(...cursors);
    return undefined;
  };
  return { hint, usable: (envelope) => cursors.length > 0 || !(isSchema(envelope.data) && 'cursor' in envelope.data) };
}

/** A fixture whose goals, agents and outcomes lists all have a second page, and an admin. */
async function fixtureWithPages(): Promise<{ f: Fixture; admin: TestUser }> {
  const f = await makeFixture(h);
  await h.makeGoal(f.user, { agent_id: f.agentId, name: 'Second goal' });
  await h.ok(f.user, { resource: 'outcomes', action: 'record', data: { goal_id: f.goalId, conversation_id: 'call_second', achieved: false } });
  return { f, admin: await h.makeUser({ admin: true }) };
}

describe('inputs the published schemas call valid are accepted', () => {
  it('covers every registered action', () => {
    expect(entries.map((a) => `${a.resource}.${a.action}`).sort()).toEqual(actions.map(actionKey).sort());
  });

  it.each(actions.map(actionKey))('%s: no generated valid envelope is refused with 400, and every success matches the result schema', async (key) => {
    const entry = entryOf(key);
    const { f, admin } = await fixtureWithPages();
    const { hint, usable } = await hintsFor(key, f);
    const validEnvelope = validatorOf(entry.envelope);
    const validResult = validatorOf(entry.result);
    const envelopes = arbitraryOf(entry.envelope, '', hint)
      .map((v) => JSON.parse(JSON.stringify(v)) as Schema)
      .filter((v) => validEnvelope(v) && keepsProseRules(v) && usable(v));
    let successes = 0;
    await fc.assert(
      fc.asyncProperty(envelopes, async (envelope) => {
        const reply = await (envelope.admin === true ? admin : f.user).invoke(envelope);
        expect(reply.status, `${JSON.stringify(envelope)} → ${JSON.stringify(reply.body)}`).not.toBe(400);
        if (reply.body.success) {
          successes += 1;
          // outcomes.record is an upsert: 201 when new, 200 when it replaced (its description says so).
          expect(reply.status).toBe(key === 'outcomes.record' && reply.status === 200 ? 200 : entry.success_status);
          expect(validResult(reply.body.data), JSON.stringify(validResult.errors)).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
    // The generator must reach the action, not only its 404s and 409s.
    expect(successes).toBeGreaterThan(0);
    // outcomes.record has six aliased keys: most generated envelopes send a key twice and are filtered out.
  }, 60_000);
});

const detailsOf = (body: unknown): { path: string; message: string }[] =>
  (body as { error?: { details?: { path: string; message: string }[] } }).error?.details ?? [];

describe('inputs that break a published rule are refused by the schema and by the server', () => {
  const enumField = (options: unknown) => ({ key: 'pick', label: 'Pick', type: 'enum', ...(options === undefined ? {} : { options }) });

  async function refusedBoth(envelope: Schema, path: string, user?: TestUser): Promise<void> {
    const { resource, action } = envelope;
    const validate = validatorOf(entryOf(`${String(resource)}.${String(action)}`).envelope);
    expect(validate(envelope), 'the published schema should refuse it').toBe(false);
    const caller = user ?? (await makeFixture(h)).user;
    const reply = await caller.invoke(envelope);
    expect(reply.status).toBe(400);
    expect(detailsOf(reply.body).map((d) => d.path)).toContain(path);
  }

  it.each([
    ['a repeated option', [enumField(['a', 'a'])], 'data.fields.0.options.1'],
    ['an enum field without options', [enumField(undefined)], 'data.fields.0.options'],
    ['an enum field with null options', [enumField(null)], 'data.fields.0.options'],
    ['options on a text field', [{ key: 'note', label: 'Note', type: 'text', options: ['a'] }], 'data.fields.0.options'],
    ['a label of only spaces', [{ key: 'note', label: '   ', type: 'text' }], 'data.fields.0.label'],
  ])('rejects %s with 400 at its path', async (_name, fields, path) => {
    const f = await makeFixture(h);
    await refusedBoth({ resource: 'goals', action: 'create', data: { agent_id: f.agentId, name: 'Goal', fields } }, path, f.user);
  });

  it.each([
    ['only spaces', '   '],
    ['over the limit before trimming', ` ${'x'.repeat(200)}`],
    ['a NUL character', 'a\u0000b'],
  ])('rejects a name of %s with 400 at data.name', async (_name, name) => {
    await refusedBoth({ resource: 'agents', action: 'create', data: { name } }, 'data.name');
  });

  const lists = entries.filter((a) => ['offset', 'cursor'].every((k) => k in ((a.admin_input.properties as object | undefined) ?? {})));
  it.each(lists.map((a) => `${a.resource}.${a.action}`))('%s: rejects offset together with cursor at data.cursor', async (key) => {
    const { f } = await fixtureWithPages();
    const [resource, action] = key.split('.');
    const page = await f.user.invoke({ resource, action, data: { limit: 1 } });
    const cursor = (page.body.data as { next_cursor: string }).next_cursor;
    expect(cursor).toEqual(expect.any(String));
    await refusedBoth({ resource, action, data: { offset: 1, cursor } }, 'data.cursor', f.user);
  });

  const adminOnly = entries.flatMap((a) =>
    a.admin_only.flatMap((k) => [k, ...Object.keys(a.aliases).filter((alias) => a.aliases[alias] === k)].map((sent) => [`${a.resource}.${a.action}`, sent] as const)),
  );
  it.each(adminOnly)('%s: rejects %s outside admin mode, and takes it in admin mode', async (key, sent) => {
    const [resource, action] = key.split('.');
    const f = await makeFixture(h);
    await refusedBoth({ resource, action, data: { [sent]: f.user.id } }, `data.${sent}`, f.user);
    const inAdmin = { resource, action, admin: true, data: { [sent]: f.user.id } };
    expect(validatorOf(entryOf(key).envelope)(inAdmin)).toBe(true);
    expect((await (await h.makeUser({ admin: true })).invoke(inAdmin)).status).toBe(200);
  });

  const aliased = entries.flatMap((a) => Object.entries(a.aliases).map(([alias, canonical]) => [`${a.resource}.${a.action}`, alias, canonical] as const));
  it.each(aliased)('%s: publishes alias %s as a property of admin_input, exclusive with %s', (key, alias, canonical) => {
    const entry = entryOf(key);
    const properties = entry.admin_input.properties as Record<string, Schema>;
    expect(properties[alias]).toMatchObject({ ...properties[canonical], description: expect.any(String) });
    const data = { [alias]: 'x', [canonical]: 'y' };
    expect(validatorOf(entry.admin_input)(data)).toBe(false);
  });

  it('rejects an alias and its key with different values, as the schema forbids both at once', async () => {
    const f = await makeFixture(h);
    await refusedBoth({ resource: 'goals', action: 'create', data: { agent_id: f.agentId, agentId: f.spareAgentId, name: 'Goal' } }, 'data.agentId', f.user);
  });

  it('states the unique field keys rule in prose, and the server enforces it at the repeated key', async () => {
    const create = entryOf('goals.create');
    expect((create.input.properties as Record<string, Schema>).fields?.description).toMatch(/`key` must be unique/);
    const f = await makeFixture(h);
    const fields = [
      { key: 'email', label: 'Email', type: 'email' },
      { key: 'email', label: 'Email again', type: 'email' },
    ];
    const envelope = { resource: 'goals', action: 'create', data: { agent_id: f.agentId, name: 'Goal', fields } };
    expect(validatorOf(create.envelope)(envelope)).toBe(true);
    const reply = await f.user.invoke(envelope);
    expect(reply.status).toBe(400);
    expect(detailsOf(reply.body).map((d) => d.path)).toEqual(['data.fields.1.key']);
  });
});
