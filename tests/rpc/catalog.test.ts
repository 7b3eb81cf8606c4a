import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionSpec } from '../../src/rpc/define-action.js';
import { ERROR_CODES } from '../../src/rpc/errors.js';
import { actions } from '../../src/rpc/registry.js';
import type { Catalog, CatalogAction } from '../../src/rpc/catalog.js';
import { bySchemaName, completion, startFakeOpenAi } from '../support/fake-openai.js';
import { createHarness } from '../support/harness.js';
import { actionKey, makeFixture, samples } from '../support/samples.js';

// A model that always answers validly, so generate and evaluate succeed like the other actions.
const fake = await startFakeOpenAi();
fake.fallback(
  bySchemaName({
    goal_suggestion: completion({ name: 'Book a meeting', description: null, priority: 5, fields: [] }),
    conversation_evaluation: completion({ verdict: 'unknown', rationale: 'Too short to tell.', confidence: 0.5, values: [] }),
  }),
)
afterAll(() => fake.close());
const h = await createHarness({ env: { OPENAI_BASE_URL: fake.url } });

async function getJson<T>(path: string): Promise<{ res: Response; body: T }> {
  const res = await h.request(path);
  return { res, body: (await res.json()) as T };
}

const { body: catalog } = await getJson<Catalog>('/schema');
const entry = (resource: string, action: string): CatalogAction | undefined => catalog.resources[resource]?.actions[action];

// Formats are also written as `pattern` by zod, which ajv checks; strict mode catches schema mistakes.
const ajv = new Ajv2020({ strict: true, allErrors: true, validateFormats: false });
const validators = new Map<string, ValidateFunction>();
function envelopeValidator(resource: string, action: string): ValidateFunction {
  const key = `${resource}.${action}`;
  const found = entry(resource, action);
  if (!found) throw new Error(`${key} is not in /schema`);
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(found.envelope);
    validators.set(key, validate);
  }
  return validate;
}

describe('GET /schema', () => {
  it('answers without credentials, as cacheable JSON readable from any origin', async () => {
    const { res } = await getJson('/schema');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
  });

  it('lists every registered action with the description, scope, id rule, aliases and status of its spec', () => {
    const listed = Object.values(catalog.resources).flatMap((r) => Object.values(r.actions));
    expect(listed.map((a) => `${a.resource}.${a.action}`).sort()).toEqual(actions.map(actionKey).sort());
    for (const spec of actions as readonly ActionSpec[]) {
      expect(entry(spec.resource, spec.action)).toMatchObject({
        description: spec.description,
        scope: spec.scope,
        id: spec.id,
        idempotent: spec.idempotent === true,
        aliases: spec.aliases ?? {},
        success_status: spec.successStatus ?? 200,
      });
    }
  });

  it('lists every error code with its status and retryability', () => {
    expect(catalog.errors.map(({ code, status, retryable }) => [code, { status, retryable }])).toEqual(Object.entries(ERROR_CODES));
    for (const e of catalog.errors) expect(e.description.length).toBeGreaterThan(10);
  });

  it('publishes JSON Schemas that ajv compiles in strict mode', () => {
    for (const a of Object.values(catalog.resources).flatMap((r) => Object.values(r.actions))) {
      expect(() => ajv.compile(a.input), `${a.resource}.${a.action} input`).not.toThrow();
      expect(() => ajv.compile(a.admin_input), `${a.resource}.${a.action} admin_input`).not.toThrow();
      expect(() => ajv.compile(a.envelope), `${a.resource}.${a.action} envelope`).not.toThrow();
      expect(() => ajv.compile(a.result), `${a.resource}.${a.action} result`).not.toThrow();
    }
    for (const schema of [catalog.envelope, catalog.success, catalog.error]) expect(() => ajv.compile(schema)).not.toThrow();
  });

  it("uses the input side for inputs (defaults optional) and the output side for results (always present)", () => {
    const create = entry('goals', 'create');
    expect(create?.input.required).toEqual(['name']); // agent_id may be given as its alias agentId
    expect(create?.result.required).toEqual(expect.arrayContaining(['status', 'priority', 'fields', 'description']));
  });

  describe('agrees with the server on real requests', () => {
    it.each(actions.map(actionKey))('%s: the sample envelope validates, and the live result matches the result schema', async (key) => {
      const f = await makeFixture(h);
      const envelope = samples[key](f);
      const [resource = '', action = ''] = key.split('.');
      const validate = envelopeValidator(resource, action);
      expect(validate(envelope), JSON.stringify(validate.errors)).toBe(true); // aliases are published too
      expect(validate({ ...envelope, data: { ...(envelope.data as object), surprise: 1 } })).toBe(false);

      const reply = await f.user.invoke(envelope);
      expect(reply.body.success, JSON.stringify(reply.body)).toBe(true);
      const result = entry(resource, action)?.result ?? {};
      const check = ajv.compile(result);
      expect(check(reply.body.data), JSON.stringify(check.errors)).toBe(true);
    });

    it('describes error bodies as the server sends them', async () => {
      const f = await makeFixture(h);
      const reply = await f.user.invoke({ resource: 'goals', action: 'create', data: { name: '' } });
      const check = ajv.compile(catalog.error);
      expect(reply.body.success).toBe(false);
      expect(check(reply.body), JSON.stringify(check.errors)).toBe(true);
    });
  });
});

describe('GET /openapi.json', () => {
  let doc: Record<string, unknown>;
  beforeAll(async () => {
    const { res, body } = await getJson<Record<string, unknown>>('/openapi.json');
    expect(res.status).toBe(200);
    doc = body;
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('names its server relative to where it was fetched, so generated clients and linters find the API', () => {
    expect(doc.servers).toEqual([{ url: '/', description: expect.any(String) }]);
  });

  it('is rejected by the validator once broken, so the check above can fail', async () => {
    const broken = structuredClone(doc) as { paths: Record<string, { post?: { responses?: unknown } }> };
    const post = broken.paths['/invoke']?.post;
    if (post) post.responses = 'none';
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('takes for POST /invoke the union of every action envelope plus the batch array', () => {
    const schemas = (doc.components as { schemas: Record<string, { oneOf?: { $ref: string }[]; maxItems?: number }> }).schemas;
    expect(schemas.Envelope?.oneOf).toHaveLength(actions.length);
    expect(schemas.Batch).toMatchObject({ type: 'array', minItems: 1, maxItems: 25 });
    const invoke = (doc.paths as Record<string, { post: { requestBody: unknown; responses: Record<string, unknown> } }>)['/invoke'];
    expect(invoke?.post.requestBody).toMatchObject({
      content: { 'application/json': { schema: { oneOf: [{ $ref: '#/components/schemas/Envelope' }, { $ref: '#/components/schemas/Batch' }] } } },
    });
    const statuses = Object.keys(invoke?.post.responses ?? {});
    const errorStatuses = [...new Set(Object.values(ERROR_CODES).map((e) => String(e.status)))].filter((s) => s !== '405');
    expect(statuses.sort()).toEqual(['200', '201', ...errorStatuses].sort());
  });
});

describe('README.md', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const blocks = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1] ?? '') as unknown);
  const isEnvelope = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v) && 'resource' in v && 'action' in v;
  const envelopes = blocks.flatMap((b) => (isEnvelope(b) ? [b] : Array.isArray(b) && b.every(isEnvelope) ? b : []));
  // A string like "<goal-uuid>" stands for a UUID in the docs.
  const placeholders = (text: string) => text.replace(/"<[a-z-]*uuid>"/g, '"00000000-0000-4000-8000-000000000000"');

  it('has envelope examples, single and batched', () => {
    expect(envelopes.length).toBeGreaterThanOrEqual(4);
    expect(blocks.some((b) => Array.isArray(b) && b.every(isEnvelope))).toBe(true);
  });

  it('has only envelope examples that validate against /schema', () => {
    for (const envelope of envelopes) {
      const concrete = JSON.parse(placeholders(JSON.stringify(envelope))) as Record<string, unknown>;
      const validate = envelopeValidator(String(concrete.resource), String(concrete.action));
      expect(validate(concrete), `${JSON.stringify(envelope)}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });
});
