import * as z from 'zod';
import { allPresent, type JsonSchema, publishedRule, recordId, TEXT_PATTERNS } from './common-schemas.js';
import type { ActionSpec, IdRule } from './define-action.js';
import { BODY_LIMIT, envelopeSchema, MAX_BATCH } from './envelope.js';
import { IDEMPOTENCY_KEY_JSON_SCHEMA } from './idempotency.js';
import { ERROR_CODES, ERROR_CODE_LIST, ERROR_MEANINGS, type ErrorBody, type ErrorCode } from './errors.js';
import { actions } from './registry.js';

/** The version of the wire contract, reported in the catalog and the OpenAPI `info`. */
export const API_VERSION = '0.1.0';
export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/** What every string of every input must be; the patterns say the parts JSON Schema can. */
export const TEXT_RULES =
  'Strings are checked as sent. Lengths count UTF-16 code units: a character outside the Basic Multilingual Plane (most emoji) counts as two. NUL characters and unpaired surrogates (possible only as \\u escapes) are refused everywhere. Names and labels are stored trimmed; enum options are published without surrounding whitespace because they must be unique once trimmed, and the server also accepts and trims padded ones.';

const isStringSchema = (s: JsonSchema): boolean => s.type === 'string' && !('const' in s) && !('enum' in s);

/**
 * zod → JSON Schema 2020-12 without `$schema` (the documents embedding it name the dialect once),
 * plus the rules registered with `publishAs`. Input strings without a pattern of their own get the
 * NUL exclusion (every pattern we publish excludes NUL itself).
 */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io,
    override: ({ zodSchema, jsonSchema: generated }) => {
      publishedRule(zodSchema)?.(generated);
      if (io === 'input' && isStringSchema(generated) && generated.pattern === undefined) generated.pattern = TEXT_PATTERNS.noNul;
    },
  });
  return rest;
}

const propertiesOf = (schema: JsonSchema): Record<string, JsonSchema> =>
  typeof schema.properties === 'object' && schema.properties !== null ? (schema.properties as Record<string, JsonSchema>) : {};

/** Adds `clause` to the combinations the schema forbids: one `not` whose `anyOf` lists them all. */
function forbid(schema: JsonSchema, clause: JsonSchema): void {
  const current = schema.not as JsonSchema | undefined;
  const clauses = current === undefined ? [] : Array.isArray(current.anyOf) && Object.keys(current).length === 1 ? current.anyOf : [current];
  schema.not = clauses.length === 0 ? clause : { anyOf: [...clauses, clause] };
}

/**
 * The published `data` of one action in or out of admin mode. Out of it, admin-only keys (and
 * their aliases) are absent. An alias is a property with its key's schema; the two are exclusive
 * (the server also takes both when equal), and a required key may be given by either.
 */
function publishedInput(spec: ActionSpec, generated: JsonSchema, admin: boolean): JsonSchema {
  const schema = structuredClone(generated);
  const properties = propertiesOf(schema);
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  if (!admin) {
    for (const key of spec.adminOnly ?? []) {
      if (!(key in properties)) throw new Error(`${spec.resource}.${spec.action}: admin-only key ${key} is not in the input`);
      delete properties[key];
      required.delete(key);
    }
  }
  for (const [alias, key] of Object.entries(spec.aliases ?? {})) {
    const target = properties[key];
    if (target === undefined) {
      if (admin || !(spec.adminOnly ?? []).includes(key)) throw new Error(`${spec.resource}.${spec.action}: alias ${alias} names no input key`);
      continue;
    }
    const either = required.has(key) ? 'Required: give' : 'Give';
    properties[alias] = { ...target, description: `Another spelling of \`${key}\`.` };
    target.description = `${target.description === undefined ? '' : `${String(target.description)} `}(${either} it as \`${key}\` or \`${alias}\`, not both.)`;
    forbid(schema, allPresent(key, alias));
    if (required.delete(key)) forbid(schema, { properties: { [key]: false, [alias]: false } });
  }
  if (Array.isArray(schema.required)) schema.required = [...required];
  return schema;
}

const errorDetailSchema = z.object({
  path: z.string().describe('Where the problem is, e.g. `data.fields.2.key`; empty for the whole body.'),
  message: z.string(),
});

export const errorBodySchema = z
  .object({
    success: z.literal(false),
    error: z.object({
      code: z.enum(ERROR_CODE_LIST as [ErrorCode, ...ErrorCode[]]),
      message: z.string().describe('For people; do not parse it.'),
      retryable: z.boolean().describe('Whether the same request may succeed later (back off first).'),
      details: z.array(errorDetailSchema).optional().describe('One entry per problem, for VALIDATION_ERROR.'),
      request_id: z.string().describe('Also in the X-Request-Id header; quote it when reporting a problem.'),
    }),
  })
  .describe('A failure: the HTTP status follows the code.');

// The body the server sends and the schema the catalog publishes must be the same shape.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const errorBodyMatches: Same<z.infer<typeof errorBodySchema>, ErrorBody> = true;
void errorBodyMatches;

const successBodySchema = (data: JsonSchema): JsonSchema => ({
  type: 'object',
  properties: { success: { const: true }, data },
  required: ['success', 'data'],
  additionalProperties: false,
});

export interface CatalogAction {
  resource: string;
  action: string;
  description: string;
  /** The scope a credential needs (`:write` implies `:read`). */
  scope: string;
  /** Whether the envelope's `id` must be present or absent. */
  id: IdRule;
  /** Whether an `Idempotency-Key` header makes a repeat replay the first answer. */
  idempotent: boolean;
  success_status: 200 | 201;
  /** Accepted alternate spellings of `data` keys: alias → canonical key (also properties of `input`). */
  aliases: Readonly<Record<string, string>>;
  /** Keys of `data` only admin mode may use: in `admin_input`, not in `input`. */
  admin_only: readonly string[];
  /** JSON Schema of `data`, input side (keys with defaults are optional), outside admin mode. */
  input: JsonSchema;
  /** JSON Schema of `data` in admin mode (`admin: true`); the same as `input` when `admin_only` is empty. */
  admin_input: JsonSchema;
  /** JSON Schema of the success `data`, output side. */
  result: JsonSchema;
  /** JSON Schema of the whole request body for this action (`oneOf` on `admin` when the inputs differ). */
  envelope: JsonSchema;
}

export interface Catalog {
  name: 'Goalpost';
  version: string;
  json_schema_dialect: string;
  /** The rules of strings that JSON Schema cannot say exactly. */
  text_rules: string;
  endpoint: {
    method: 'POST';
    path: '/invoke';
    content_type: 'application/json';
    authorization: string;
    body_limit_bytes: number;
    idempotency_header: 'Idempotency-Key';
    batch: { min_items: number; max_items: number; transactional: false; description: string };
  };
  /** The envelope in general; each action's `envelope` is the exact one. */
  envelope: JsonSchema;
  success: JsonSchema;
  error: JsonSchema;
  errors: { code: ErrorCode; status: number; retryable: boolean; description: string }[];
  resources: Record<string, { actions: Record<string, CatalogAction> }>;
}

const envelopeKeyDescription = (key: 'id' | 'admin'): string | undefined => envelopeSchema.shape[key].description;

/** The envelope's `id` and `admin` as every action's envelope publishes them (MCP tools take them as arguments). */
export const envelopeKeySchemas = (): { id: JsonSchema; admin: JsonSchema } => ({
  id: { ...jsonSchema(recordId, 'input'), description: envelopeKeyDescription('id') },
  admin: { type: 'boolean', description: envelopeKeyDescription('admin') },
});

/**
 * The exact request body of one action: const resource and action, its id rule, its `data`; one
 * variant per admin mode when admin mode takes more keys. `dataRequired` is read from the schema
 * zod wrote, before aliases made required keys optional.
 */
function actionEnvelope(spec: ActionSpec, generated: JsonSchema, input: JsonSchema, adminInput: JsonSchema): JsonSchema {
  const dataRequired = (Array.isArray(generated.required) && generated.required.length > 0) || typeof generated.minProperties === 'number';
  const body = (data: JsonSchema, admin: JsonSchema, adminRequired: boolean): JsonSchema => ({
    type: 'object',
    properties: {
      resource: { const: spec.resource },
      action: { const: spec.action },
      ...(spec.id === 'required' ? { id: envelopeKeySchemas().id } : {}),
      data,
      admin: { type: 'boolean', ...admin, description: envelopeKeyDescription('admin') },
    },
    required: [
      'resource',
      'action',
      ...(spec.id === 'required' ? ['id'] : []),
      ...(dataRequired ? ['data'] : []),
      ...(adminRequired ? ['admin'] : []),
    ],
    additionalProperties: false,
  });
  const title = `${spec.resource}.${spec.action}`;
  if ((spec.adminOnly ?? []).length === 0) return { title, description: spec.description, ...body(input, {}, false) };
  return {
    title,
    description: `${spec.description} Admin mode (\`admin: true\`) also takes ${(spec.adminOnly ?? []).map((k) => `\`${k}\``).join(', ')}.`,
    oneOf: [body(input, { const: false }, false), body(adminInput, { const: true }, true)],
  };
}

function buildCatalog(): Catalog {
  const resources: Catalog['resources'] = {};
  for (const spec of actions as readonly ActionSpec[]) {
    const generated = jsonSchema(spec.input, 'input');
    const input = publishedInput(spec, generated, false);
    const adminInput = (spec.adminOnly ?? []).length === 0 ? input : publishedInput(spec, generated, true);
    const entry: CatalogAction = {
      resource: spec.resource,
      action: spec.action,
      description: spec.description,
      scope: spec.scope,
      id: spec.id,
      idempotent: spec.idempotent === true,
      success_status: spec.successStatus ?? 200,
      aliases: spec.aliases ?? {},
      admin_only: spec.adminOnly ?? [],
      input,
      admin_input: adminInput,
      result: jsonSchema(spec.result, 'output'),
      envelope: actionEnvelope(spec, generated, input, adminInput),
    };
    const resource = (resources[spec.resource] ??= { actions: {} });
    resource.actions[spec.action] = entry;
  }
  return {
    name: 'Goalpost',
    version: API_VERSION,
    json_schema_dialect: JSON_SCHEMA_DIALECT,
    text_rules: TEXT_RULES,
    endpoint: {
      method: 'POST',
      path: '/invoke',
      content_type: 'application/json',
      authorization: 'Bearer <API key or session JWT>',
      body_limit_bytes: BODY_LIMIT,
      idempotency_header: 'Idempotency-Key',
      batch: {
        min_items: 1,
        max_items: MAX_BATCH,
        transactional: false,
        description:
          'A JSON array of envelopes: HTTP 200 with one body per item, in order. Each item is authorised, validated and run on its own; a failing item does not undo or stop the others. The body limit applies to the whole array.',
      },
    },
    envelope: jsonSchema(envelopeSchema, 'input'),
    success: successBodySchema({ description: "The action's result: see each action's `result`." }),
    error: jsonSchema(errorBodySchema, 'output'),
    errors: ERROR_CODE_LIST.map((code) => ({ code, ...ERROR_CODES[code], description: ERROR_MEANINGS[code] })),
    resources,
  };
}

const pascal = (...words: string[]): string => words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

function buildOpenApi(catalog: Catalog): JsonSchema {
  const entries = Object.values(catalog.resources).flatMap((r) => Object.values(r.actions));
  const schemas: Record<string, JsonSchema> = {};
  for (const a of entries) {
    schemas[pascal(a.resource, a.action, 'Request')] = a.envelope;
    schemas[pascal(a.resource, a.action, 'Result')] = { title: `${a.resource}.${a.action} result`, ...a.result };
  }
  const results = (pick: (a: CatalogAction) => boolean) =>
    entries.filter(pick).map((a) => ref(pascal(a.resource, a.action, 'Result')));
  schemas.Envelope = {
    description: 'One call of POST /invoke: exactly one of the action requests.',
    oneOf: entries.map((a) => ref(pascal(a.resource, a.action, 'Request'))),
  };
  schemas.Batch = {
    description: catalog.endpoint.batch.description,
    type: 'array',
    minItems: catalog.endpoint.batch.min_items,
    maxItems: catalog.endpoint.batch.max_items,
    items: ref('Envelope'),
  };
  schemas.SuccessBody = successBodySchema({ anyOf: results(() => true) });
  schemas.CreatedBody = successBodySchema({ anyOf: results((a) => a.success_status === 201) });
  schemas.ErrorBody = catalog.error;
  schemas.BatchBody = {
    description: 'One body per batch item, in the order of the request.',
    type: 'array',
    items: { oneOf: [ref('SuccessBody'), ref('ErrorBody')] },
  };

  const requestIdHeader = { description: 'The request id (the sane one the client sent, or a new one).', schema: { type: 'string' } };
  const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
  const errorResponse = (status: number) => {
    const codes = catalog.errors.filter((e) => e.status === status);
    return {
      description: codes.map((e) => `${e.code}: ${e.description}`).join(' '),
      headers: {
        'X-Request-Id': requestIdHeader,
        ...(status === 429 ? { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } } } : {}),
      },
      content: json({
        allOf: [
          ref('ErrorBody'),
          { properties: { error: { properties: { code: { enum: codes.map((e) => e.code) } } } } },
        ],
      }),
    };
  };
  const invokeStatuses = [...new Set(catalog.errors.map((e) => e.status))].filter((s) => s !== 405);

  const doc = (summary: string, description: string) => ({
    get: {
      summary,
      description,
      security: [],
      responses: {
        '200': { description: summary, content: json({ type: 'object' }) },
      },
    },
  });

  return {
    openapi: '3.1.0',
    info: {
      title: 'Goalpost',
      version: catalog.version,
      description:
        `The goals service of an AI-agent platform. Every operation is one POST /invoke with an envelope \`{ resource, action, id?, data?, admin? }\`; the per-action envelopes below (and GET /schema) say exactly what each takes and returns. ${TEXT_RULES}`,
    },
    jsonSchemaDialect: JSON_SCHEMA_DIALECT,
    // Relative: resolved against where this document was fetched, so it is right behind any host or proxy.
    servers: [{ url: '/', description: 'The server that served this document.' }],
    security: [{ bearerAuth: [] }],
    paths: {
      '/invoke': {
        post: {
          operationId: 'invoke',
          summary: 'Run one action, or a batch of 1–25',
          description: `Body limit ${catalog.endpoint.body_limit_bytes} bytes for the whole request.`,
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              description: 'For idempotent actions (not a batch): the same key with the same request replays the first answer for 24 hours; with another request it is a CONFLICT.',
              schema: IDEMPOTENCY_KEY_JSON_SCHEMA,
            },
            {
              name: 'X-Request-Id',
              in: 'header',
              required: false,
              description: 'Your id for this request (1–128 of A-Z a-z 0-9 . _ : -); echoed back.',
              schema: { type: 'string', maxLength: 128 },
            },
          ],
          requestBody: { required: true, content: json({ oneOf: [ref('Envelope'), ref('Batch')] }) },
          responses: {
            '200': {
              description: 'Success of one action, or the per-item bodies of a batch.',
              headers: { 'X-Request-Id': requestIdHeader },
              content: json({ oneOf: [ref('SuccessBody'), ref('BatchBody')] }),
            },
            '201': {
              description: 'A record was created.',
              headers: { 'X-Request-Id': requestIdHeader },
              content: json(ref('CreatedBody')),
            },
            ...Object.fromEntries(invokeStatuses.map((s) => [String(s), errorResponse(s)])),
          },
        },
      },
      '/schema': doc('The catalog', 'Every resource and action with description, scope, id rule, aliases, admin-only keys, and the JSON Schema of its input (outside and in admin mode), result and envelope; the error codes.'),
      '/openapi.json': doc('This document', 'OpenAPI 3.1 for POST /invoke.'),
      '/health': doc('Health', 'Checks the database; no credentials needed.'),
    },
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key (gp_…) or a session JWT.' } },
      schemas,
    },
  };
}

interface Documents {
  catalog: Catalog;
  openapi: JsonSchema;
  catalogJson: string;
  openapiJson: string;
}

let documents: Documents | undefined;

/** Built on first use and kept: the registry does not change while the process runs. */
export function catalogDocuments(): Documents {
  if (!documents) {
    const catalog = buildCatalog();
    const openapi = buildOpenApi(catalog);
    documents = { catalog, openapi, catalogJson: JSON.stringify(catalog), openapiJson: JSON.stringify(openapi) };
  }
  return documents;
}
