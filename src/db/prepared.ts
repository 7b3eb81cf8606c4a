import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { Database, Db } from './types.js';

/**
 * Queries built and compiled once per shape, then run with each call's values. Building and
 * compiling a kysely query costs more than running it on SQLite, and the SQL of a store function
 * depends on a few flags, never on the values, so it is compiled once and the values re-bound.
 *
 * `build` receives stand-ins for the arguments: strings, numbers and null become placeholders
 * bound on every call; booleans, undefined and the presence of nested objects choose the shape
 * and are passed as they are. A placeholder cannot be computed with (`limit + 1` throws): pass
 * the value the SQL needs. Arrays are not accepted (pass JSON text).
 */
export interface PreparedQuery<A, R> {
  /** Runs the query with `args`; `rows` are what it selects or returns. */
  run(db: Db, args: A): Promise<QueryResult<R>>;
  all(db: Db, args: A): Promise<R[]>;
  first(db: Db, args: A): Promise<R | undefined>;
  /** The statement with `args` bound, not run: for `db.atomic`. */
  compile(db: Db, args: A): CompiledQuery<R>;
}

type RowOf<C> = C extends Compilable<infer O> ? O : never;

/** Where a bound value comes from in the arguments: its path of property names. */
class Placeholder {
  constructor(readonly path: readonly string[]) {}
  [Symbol.toPrimitive](): never {
    throw new TypeError(`Placeholder for ${this.path.join('.')} used in a computation while building a prepared query.`);
  }
}

type Template = { query: CompiledQuery; bind: (args: object) => unknown[] };

const isBound = (value: unknown): value is string | number | null =>
  value === null || typeof value === 'string' || typeof value === 'number';

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

/** The arguments with every bound leaf replaced by its placeholder. */
function standIns(args: object, path: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(args)) {
    if (isBound(value)) out[name] = new Placeholder([...path, name]);
    else if (value !== null && typeof value === 'object') out[name] = standIns(value, [...path, name]);
    else out[name] = value;
  }
  return out;
}

const valueAt = (args: object, path: readonly string[]): unknown =>
  path.reduce<unknown>((node, name) => (node as Record<string, unknown>)[name], args);

function compileTemplate(kysely: Kysely<Database>, build: (k: Kysely<Database>, args: never) => Compilable<unknown>, args: object): Template {
  const query = build(kysely, standIns(args) as never).compile();
  const sources = query.parameters.map((p) => (p instanceof Placeholder ? p.path : null));
  const constants = [...query.parameters];
  return {
    query,
    bind: (values) => sources.map((path, i) => (path ? valueAt(values, path) : constants[i])),
  };
}

export function prepareQuery<A extends object, C extends Compilable<unknown>>(
  build: (k: Kysely<Database>, args: A) => C,
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
      template = compileTemplate(db.kysely, build, args);
      templates.set(key, template);
    }
    return { ...template.query, parameters: template.bind(args) };
  };

  const run = async (db: Db, args: A) => db.kysely.executeQuery(compile(db, args));
  return {
    run,
    compile,
    all: async (db, args) => (await run(db, args)).rows,
    first: async (db, args) => (await run(db, args)).rows[0],
  };
}
