import { ValueNode, type Compilable, type CompiledQuery, type Expression, type Kysely, type OperationNode, type QueryResult } from 'kysely';
import type { Database, Db } from './types.js';

/**
 * Queries built and compiled once per shape, then run with each call's values. Building and
 * compiling a kysely query costs more than running it on SQLite, and the SQL of a store function
 * depends on a few flags, never on the values, so it is compiled once and the values re-bound.
 *
 * `build(k, shape, p)` gets the arguments split in two:
 * - `shape`, what chooses the SQL, as real values: every boolean, and for every optional
 *   argument whether it is present (`false`, or its own shape when it is an object);
 * - `p`, the values: every string, number and null as an opaque `Param`, which kysely binds.
 * A Param cannot be tested (`if (p.q)`), computed with (`p.take + 1`) or defaulted meaningfully:
 * the first two are compile errors, and presence is read from `shape`. Arrays are not accepted.
 */
export interface PreparedQuery<A, R> {
  /** Runs the query with `args`; `rows` are what it selects or returns. */
  run(db: Db, args: A): Promise<QueryResult<R>>;
  all(db: Db, args: A): Promise<R[]>;
  first(db: Db, args: A): Promise<R | undefined>;
  /** The statement with `args` bound, not run: for `db.atomic`. */
  compile(db: Db, args: A): CompiledQuery<R>;
}

declare const param: unique symbol;

/**
 * A bound value of type T while a prepared query is built. It is a kysely expression factory, so
 * kysely accepts it wherever a value of T goes; being a function type, TypeScript refuses it in a
 * condition (TS2774) and in arithmetic.
 */
export type Param<T> = ((eb: unknown) => Expression<T>) & { readonly [param]: T };

type Bound = string | number | null;

/** The values of `A` as Params; booleans are shape, not values. */
export type Params<A> = {
  readonly [K in keyof A as [Exclude<A[K], undefined>] extends [boolean] ? never : K]-?: ParamsOf<Exclude<A[K], undefined>>;
};
type ParamsOf<V> = [V] extends [Bound] ? Param<V> : Params<V>;

/** What chooses the SQL: booleans, and the presence of optional arguments. Required values are not shape. */
export type Shape<A> = {
  readonly [K in keyof A as undefined extends A[K] ? K : [A[K]] extends [Bound] ? never : K]-?: ShapeOf<A[K]>;
};
type ShapeOf<V> = undefined extends V
  ? [Exclude<V, undefined>] extends [Bound | boolean]
    ? boolean
    : Shape<Exclude<V, undefined>> | false
  : [V] extends [boolean]
    ? V
    : Shape<V>;

type RowOf<C> = C extends Compilable<infer O> ? O : never;

/** Where a bound value comes from in the arguments: its path of property names. */
class Placeholder {
  constructor(readonly path: readonly string[]) {}
}

/** The runtime Param: a factory kysely calls once, while the query is built, for a value node. */
function paramAt(path: readonly string[]): (eb: unknown) => { toOperationNode(): OperationNode } {
  const node = ValueNode.create(new Placeholder(path));
  return () => ({ toOperationNode: () => node });
}

type Template = { query: CompiledQuery; bind: (args: object) => unknown[] };

const isBound = (value: unknown): value is Bound => value === null || typeof value === 'string' || typeof value === 'number';

/** The shape of the arguments as a string: which leaves are bound, and every flag's value. */
function shapeKey(args: object): string {
  let key = '';
  for (const name of Object.keys(args)) {
    const value = (args as Record<string, unknown>)[name];
    if (isBound(value)) key += `${name}=?,`;
    else if (value === undefined || typeof value === 'boolean') key += `${name}=${String(value)},`;
    else if (typeof value === 'object' && !Array.isArray(value)) key += `${name}{${shapeKey(value)}},`;
    else throw new TypeError(`Prepared query argument ${name} must be a string, number, null, boolean, undefined or object.`);
  }
  return key;
}

/** The arguments split into their shape (flags and presence) and their values (Params). */
function split(args: object, path: readonly string[] = []): { shape: Record<string, unknown>; params: Record<string, unknown> } {
  const shape: Record<string, unknown> = {};
  const params: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(args)) {
    if (isBound(value)) {
      shape[name] = true;
      params[name] = paramAt([...path, name]);
    } else if (value === undefined || typeof value === 'boolean') {
      shape[name] = value ?? false;
    } else if (value !== null && typeof value === 'object') {
      const inner = split(value, [...path, name]);
      shape[name] = inner.shape;
      params[name] = inner.params;
    }
  }
  // An absent value read anyway (a build that ignores the shape) is still a Param: binding it throws.
  const guarded = new Proxy(params, {
    get: (target, name) => (typeof name === 'string' && !Object.hasOwn(target, name) ? paramAt([...path, name]) : target[name as string]),
  });
  return { shape, params: guarded };
}

function valueAt(args: object, path: readonly string[]): unknown {
  let value: unknown = args;
  for (const name of path) value = (value as Record<string, unknown> | undefined)?.[name];
  if (value === undefined) throw new TypeError(`Prepared query value ${path.join('.')} is absent, but this shape binds it.`);
  return value;
}

type Build = (k: Kysely<Database>, shape: never, params: never) => Compilable<unknown>;

function compileTemplate(kysely: Kysely<Database>, build: Build, args: object): Template {
  const { shape, params } = split(args);
  const query = build(kysely, shape as never, params as never).compile();
  const sources = query.parameters.map((p) => (p instanceof Placeholder ? p.path : null));
  const constants = [...query.parameters];
  return {
    query,
    bind: (values) => sources.map((path, i) => (path ? valueAt(values, path) : constants[i])),
  };
}

/**
 * `prepareQuery<Args>()((k, shape, p) => query)`: the arguments' type is given, the rows' type is
 * inferred from the query (TypeScript cannot infer one and take the other).
 */
export const prepareQuery =
  <A extends object>() =>
  <C extends Compilable<unknown>>(build: (k: Kysely<Database>, shape: Shape<A>, p: Params<A>) => C): PreparedQuery<A, RowOf<C>> =>
    prepared<A, C>(build);

function prepared<A extends object, C extends Compilable<unknown>>(
  build: (k: Kysely<Database>, shape: Shape<A>, p: Params<A>) => C,
): PreparedQuery<A, RowOf<C>> {
  // Per kysely instance, as the SQL is the dialect's; entries go with the instance.
  const byDb = new WeakMap<Kysely<Database>, Map<string, Template>>();

  const compile = (db: Db, args: A): CompiledQuery<RowOf<C>> => {
    let templates = byDb.get(db.kysely);
    if (!templates) {
      templates = new Map();
      byDb.set(db.kysely, templates);
    }
    const key = shapeKey(args);
    let template = templates.get(key);
    if (!template) {
      template = compileTemplate(db.kysely, build as Build, args);
      templates.set(key, template);
    }
    // Not `{ ...template.query, parameters }`: on Node 20 a spread with more keys takes V8's slow
    // path, and this runs for every statement sent.
    const { query, queryId, sql } = template.query;
    return { query, queryId, sql, parameters: template.bind(args) };
  };

  const run = async (db: Db, args: A) => db.kysely.executeQuery(compile(db, args));
  return {
    run,
    compile,
    all: async (db, args) => (await run(db, args)).rows,
    first: async (db, args) => (await run(db, args)).rows[0],
  };
}
