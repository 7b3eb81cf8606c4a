// Turns the registry's schemas, as JSON Schema, into the client's `api.ts` for the standalone
// package: the same shape src/client/api.ts computes from the zod schemas, with no import at all.

type Schema = Record<string, unknown>;

/** What the generated module is made from: each action's id rule and its schemas as zod writes them. */
export interface ClientApiSource {
  errorCodes: readonly string[];
  /** JSON Schema of the error body (`{ success: false, error }`). */
  errorBody: Schema;
  actions: readonly { resource: string; action: string; description: string; id: string; input: Schema; result: Schema }[];
}

/** Keywords that only narrow values TypeScript cannot express (lengths, patterns, bounds): no effect on the type. */
const VALUE_ONLY = new Set([
  'description', 'title', 'default', 'examples', 'format', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum',
  '$schema', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minItems', 'maxItems', 'uniqueItems', 'minProperties',
  'maxProperties', 'readOnly', 'writeOnly', 'deprecated', 'contentEncoding', 'contentMediaType', '$comment', 'id',
  // Rules that only exclude values (e.g. `offset` with `cursor`, published by `.meta`): zod's type ignores them too.
  'not', 'if', 'then', 'else', 'dependentRequired', 'contains', 'minContains', 'maxContains',
]);
const TYPED = new Set(['type', 'const', 'enum', 'anyOf', 'oneOf', 'allOf', 'properties', 'required', 'additionalProperties', 'items', 'prefixItems', 'propertyNames', '$ref', '$defs']);

const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const propertyKey = (key: string): string => (IDENTIFIER.test(key) ? key : JSON.stringify(key));
const pascal = (name: string): string => name.replace(/(^|[^A-Za-z0-9])([a-z0-9])/g, (_m, _sep: string, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '');

/** A description as a JSDoc block, so editors show it on hover as they do for the zod `.describe()`. */
function doc(schema: unknown, indent: string): string {
  if (!isSchema(schema) || typeof schema.description !== 'string') return '';
  const text = schema.description.replaceAll('*/', '*\\/');
  return `${indent}/** ${text.split('\n').join(`\n${indent} * `)} */\n`;
}

interface Context {
  /** Where the schema sits, for error messages. */
  at: string;
  /** Named `$defs` of the current document: `#/$defs/X` → type name. */
  defs: Map<string, string>;
}

/** One JSON Schema (the subset zod's toJSONSchema writes) → a TypeScript type expression. */
export function schemaToType(schema: unknown, ctx: Context, indent = ''): string {
  // zod writes `{ not: {} }` for z.never(): the one `not` that decides the type.
  if (schema === false || (isSchema(schema) && isSchema(schema.not) && Object.keys(schema.not).length === 0)) return 'never';
  if (schema === true || (isSchema(schema) && Object.keys(schema).every((k) => VALUE_ONLY.has(k)))) return 'unknown';
  if (!isSchema(schema)) throw new Error(`${ctx.at}: not a JSON Schema: ${JSON.stringify(schema)}`);
  const unknownKeys = Object.keys(schema).filter((k) => !VALUE_ONLY.has(k) && !TYPED.has(k));
  // A keyword the converter does not know might change the type: stop the build rather than guess.
  if (unknownKeys.length > 0) throw new Error(`${ctx.at}: the client type generator does not handle ${unknownKeys.join(', ')}`);

  const parts: string[] = [];
  if (typeof schema.$ref === 'string') {
    const name = ctx.defs.get(schema.$ref);
    if (!name) throw new Error(`${ctx.at}: unresolved $ref ${schema.$ref}`);
    parts.push(name);
  }
  if ('const' in schema) parts.push(JSON.stringify(schema.const));
  else if (Array.isArray(schema.enum)) parts.push(schema.enum.map((v) => JSON.stringify(v)).join(' | ') || 'never');
  else if (schema.type !== undefined) parts.push(typeKeyword(schema, ctx, indent));
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options)) parts.push(`(${options.map((o, i) => schemaToType(o, { ...ctx, at: `${ctx.at}.${key}.${i}` }, indent)).join(' | ')})`);
  }
  if (Array.isArray(schema.allOf)) {
    parts.push(...schema.allOf.map((o, i) => `(${schemaToType(o, { ...ctx, at: `${ctx.at}.allOf.${i}` }, indent)})`));
  }
  return parts.length === 0 ? 'unknown' : parts.length === 1 ? (parts[0] ?? 'unknown') : parts.map((p) => `(${p})`).join(' & ');
}

function typeKeyword(schema: Schema, ctx: Context, indent: string): string {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  return types
    .map((type) => {
      switch (type) {
        case 'string':
          return 'string';
        case 'number':
        case 'integer':
          return 'number';
        case 'boolean':
          return 'boolean';
        case 'null':
          return 'null';
        case 'array':
          return arrayType(schema, ctx, indent);
        case 'object':
          return objectType(schema, ctx, indent);
        default:
          throw new Error(`${ctx.at}: unknown type ${JSON.stringify(type)}`);
      }
    })
    .join(' | ');
}

function arrayType(schema: Schema, ctx: Context, indent: string): string {
  if (Array.isArray(schema.prefixItems)) {
    const items = schema.prefixItems.map((s, i) => schemaToType(s, { ...ctx, at: `${ctx.at}.${i}` }, indent));
    const rest = schema.items === undefined || schema.items === false ? [] : [`...${wrap(schemaToType(schema.items, { ...ctx, at: `${ctx.at}.items` }, indent))}[]`];
    return `[${[...items, ...rest].join(', ')}]`;
  }
  return `${wrap(schemaToType(schema.items ?? true, { ...ctx, at: `${ctx.at}.items` }, indent))}[]`;
}

const wrap = (type: string): string => (/^[A-Za-z0-9_."]+$/.test(type) || /^\{[\s\S]*\}$/.test(type) ? type : `(${type})`);

function objectType(schema: Schema, ctx: Context, indent: string): string {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const inner = `${indent}  `;
  const lines = Object.entries(properties).map(([key, value]) => {
    const type = schemaToType(value, { ...ctx, at: `${ctx.at}.${key}` }, inner);
    return `${doc(value, inner)}${inner}${propertyKey(key)}${required.has(key) ? '' : '?'}: ${type};`;
  });
  if (schema.propertyNames !== undefined) {
    const names = schema.propertyNames;
    if (!isSchema(names) || names.type !== 'string' || 'enum' in names || 'const' in names) {
      throw new Error(`${ctx.at}: the client type generator handles only string propertyNames`);
    }
  }
  // zod writes `additionalProperties: false` for strict objects and leaves it out for stripping ones:
  // neither has an index signature in the zod type. A schema (records, loose objects) is one.
  const extra = schema.additionalProperties;
  if (extra !== undefined && extra !== false) {
    lines.push(`${inner}[key: string]: ${schemaToType(extra, { ...ctx, at: `${ctx.at}.*` }, inner)};`);
  }
  // zod types an object with no keys at all as `Record<string, never>`: `{}` would take any value.
  return lines.length === 0 ? 'Record<string, never>' : `{\n${lines.join('\n')}\n${indent}}`;
}

/** The generated module: `Api`, `ErrorCode` and `ErrorDetail`, the names src/client/api.ts exports. */
export function renderClientApi(source: ClientApiSource): string {
  const out: string[] = [
    "// Generated by scripts/pack-client.ts from the server's action registry. Do not edit.",
    '',
  ];
  const errorCodes = source.errorCodes.map((code) => JSON.stringify(code)).join('\n  | ');
  out.push(`/** The \`code\` of an API error: the HTTP status follows it. */\nexport type ErrorCode =\n  | ${errorCodes};`, '');
  const errorSchema = source.errorBody as { properties?: { error?: { properties?: { details?: { items?: unknown } } } } };
  const detail = errorSchema.properties?.error?.properties?.details?.items;
  const noDefs: Context = { at: 'error.details', defs: new Map() };
  out.push(`/** One problem of a VALIDATION_ERROR. */\nexport type ErrorDetail = ${schemaToType(detail, noDefs)};`, '');

  const defs: string[] = [];
  const byResource = new Map<string, string[]>();
  for (const spec of source.actions) {
    const { resource, action } = spec;
    const typeFor = (side: 'input' | 'result'): string => {
      const schema = spec[side];
      const defNames = new Map<string, string>();
      if (isSchema(schema.$defs)) {
        for (const name of Object.keys(schema.$defs)) defNames.set(`#/$defs/${name}`, pascal(`${resource} ${action} ${side} ${name}`));
        for (const [name, def] of Object.entries(schema.$defs)) {
          const ctx = { at: `${resource}.${action}.${side}.$defs.${name}`, defs: defNames };
          defs.push(`${doc(def, '')}type ${pascal(`${resource} ${action} ${side} ${name}`)} = ${schemaToType(def, ctx)};`);
        }
      }
      const { $defs: _defs, ...rest } = schema;
      const ctx = { at: `${resource}.${action}.${side}`, defs: defNames };
      // A schema that contains itself (z.lazy) refers to its root as `#`: the root becomes a named type.
      if (!JSON.stringify(rest).includes('"$ref":"#"')) return schemaToType(rest, ctx, '      ');
      const name = pascal(`${resource} ${action} ${side}`);
      defNames.set('#', name);
      defs.push(`type ${name} = ${schemaToType(rest, ctx)};`);
      return name;
    };
    const entries = byResource.get(resource) ?? [];
    entries.push(
      [
        `${doc(spec, '    ')}    ${propertyKey(action)}: {`,
        `      id: ${JSON.stringify(spec.id)};`,
        `      input: ${typeFor('input')};`,
        `      result: ${typeFor('result')};`,
        '    };',
      ].join('\n'),
    );
    byResource.set(resource, entries);
  }
  const resources = [...byResource].map(([resource, entries]) => `  ${propertyKey(resource)}: {\n${entries.join('\n')}\n  };`);
  out.push(
    '/** Every action by resource and name: whether it takes an `id`, what `data` may hold, what it returns. */',
    `export type Api = {\n${resources.join('\n')}\n};`,
    '',
    ...defs,
  );
  return `${out.join('\n').trimEnd()}\n`;
}
