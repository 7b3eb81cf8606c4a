import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { renderClientApi, schemaToType } from '../../scripts/client-api-types.js';

// The converter behind the client package's types, on zod constructs the registry may grow into.
// (tests/client/package.node.test.ts proves the generated types identical to the registry's.)
const at = { at: 'test', defs: new Map<string, string>() };
const typeOf = (schema: z.ZodType, io: 'input' | 'output' = 'output'): string =>
  schemaToType(z.toJSONSchema(schema, { io }), at).replace(/\s+/g, ' ');

describe('schemaToType', () => {
  it('writes records, tuples, unions, enums, nullables and loose objects as zod types them', () => {
    expect(typeOf(z.record(z.string(), z.number()))).toBe('{ [key: string]: number; }');
    expect(typeOf(z.tuple([z.string(), z.number()]))).toBe('[string, number]');
    expect(typeOf(z.discriminatedUnion('t', [z.object({ t: z.literal('x'), v: z.int() }), z.object({ t: z.literal('y') })]))).toBe(
      '({ t: "x"; v: number; } | { t: "y"; })',
    );
    expect(typeOf(z.enum(['a', 'b']).nullable())).toBe('("a" | "b" | null)');
    expect(typeOf(z.array(z.string().nullable()))).toBe('(string | null)[]');
    expect(typeOf(z.looseObject({ a: z.string() }))).toBe('{ a: string; [key: string]: unknown; }');
    expect(typeOf(z.strictObject({}))).toBe('Record<string, never>');
    expect(typeOf(z.never())).toBe('never');
  });

  it('ignores rules that only exclude values, as the zod type does (a refine published with .meta)', () => {
    const page = z
      .strictObject({ offset: z.int().optional(), cursor: z.string().optional() })
      .refine((v) => v.offset === undefined || v.cursor === undefined)
      .meta({ not: { required: ['offset', 'cursor'] } });
    expect(typeOf(page, 'input')).toBe('{ offset?: number; cursor?: string; }');
    expect(schemaToType({ type: 'string', if: { minLength: 2 }, then: { pattern: '^a' } }, at)).toBe('string');
  });

  it('makes keys with defaults optional on the input side only', () => {
    const schema = z.object({ limit: z.int().default(20) });
    expect(typeOf(schema, 'input')).toBe('{ limit?: number; }');
    expect(typeOf(schema, 'output')).toBe('{ limit: number; }');
  });

  it('keeps descriptions as doc comments and quotes keys that are not identifiers', () => {
    expect(typeOf(z.object({ 'x-y': z.string().describe('A */ tricky one.') }))).toBe('{ /** A *\\/ tricky one. */ "x-y": string; }');
  });

  it('stops the build on a keyword it cannot type, naming where it is', () => {
    expect(() => schemaToType({ type: 'object', patternProperties: { '^x': {} } }, at)).toThrow(
      'test: the client type generator does not handle patternProperties',
    );
    expect(() => typeOf(z.record(z.enum(['a', 'b']), z.string()))).toThrow('only string propertyNames');
    expect(() => schemaToType({ $ref: '#/$defs/Missing' }, at)).toThrow('unresolved $ref #/$defs/Missing');
  });
});

describe('renderClientApi', () => {
  it('writes Api by resource and action, naming $defs and self-referencing (z.lazy) schemas', () => {
    const node: z.ZodType = z.lazy(() => z.object({ name: z.string(), children: z.array(node) }));
    const leaf = z.object({ colour: z.string() }).meta({ id: 'Leaf' });
    const source = renderClientApi({
      errorCodes: ['NOT_FOUND', 'CONFLICT'],
      errorBody: z.toJSONSchema(z.object({ error: z.object({ details: z.array(z.object({ path: z.string(), message: z.string() })) }) })),
      actions: [
        { resource: 'trees', action: 'get', description: 'One tree.', id: 'required', input: z.toJSONSchema(z.strictObject({}), { io: 'input' }), result: z.toJSONSchema(node) },
        { resource: 'trees', action: 'leaves', description: 'Two leaves.', id: 'forbidden', input: z.toJSONSchema(z.object({}), { io: 'input' }), result: z.toJSONSchema(z.object({ a: leaf, b: leaf })) },
      ],
    });
    expect(source).toContain('export type ErrorCode =\n  | "NOT_FOUND"\n  | "CONFLICT";');
    expect(source).toContain('export type ErrorDetail = {\n  path: string;\n  message: string;\n}');
    expect(source).toMatch(/export type Api = \{\n {2}trees: \{\n {4}\/\*\* One tree\. \*\/\n {4}get: \{\n {6}id: "required";\n {6}input: Record<string, never>;\n {6}result: TreesGetResult;/);
    expect(source).toMatch(/^type TreesGetResult = \{\n {2}name: string;\n {2}children: TreesGetResult\[\];\n\};$/m);
    expect(source).toMatch(/result: \{\n {8}a: TreesLeavesResultLeaf;\n {8}b: TreesLeavesResultLeaf;/);
    expect(source).toMatch(/^type TreesLeavesResultLeaf = \{\n {2}colour: string;\n\};$/m);
    expect(source).not.toMatch(/^import /m);
  });
});
