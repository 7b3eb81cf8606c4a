import type { D1Statement } from '../../src/db/d1.js';
import { createWorker, type WorkerEnv } from '../../src/worker.js';
import { TestClock } from './clock.js';
import { CLOCK_HEADER, D1_BRIDGE_PATH, D1_STATEMENTS_PATH, type BridgeRequest } from './worker-protocol.js';

/**
 * The Worker as the tests run it: src/worker.ts's handler with a test clock kept in step with the
 * harness's. Each request carries the harness clock's reading and each response the Worker's, so
 * `h.clock.advance()` and the 1 ms tick behave alike on both targets.
 */
const clock = new TestClock();
const worker = createWorker({ clock });

/** Runs the harness's queries on the real D1 binding: one round trip each, where Miniflare's proxy needs three. */
async function bridge(request: Request, env: WorkerEnv): Promise<Response> {
  const { statements, atomic } = (await request.json()) as BridgeRequest;
  const prepared: D1Statement[] = statements.map((s) => env.DB.prepare(s.sql).bind(...s.params));
  try {
    const outcomes = atomic ? await env.DB.batch(prepared) : await Promise.all(prepared.map((s) => s.all()));
    return Response.json({ outcomes });
  } catch (err) {
    return Response.json({ error: err instanceof Error ? err.message : String(err) }, { status: 500 });
  }
}

let statements = 0;
const counted = new WeakMap<WorkerEnv, WorkerEnv>();

/**
 * The env the Worker sees: the same bindings, with D1's `prepare` counted. One per runtime env, as
 * src/worker.ts keys its app on the env object.
 */
function countingEnv(env: WorkerEnv): WorkerEnv {
  let wrapped = counted.get(env);
  if (!wrapped) {
    const DB = new Proxy(env.DB, {
      get(target, key) {
        if (key === 'prepare') {
          return (sql: string) => {
            statements += 1;
            return target.prepare(sql);
          };
        }
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    wrapped = { ...env, DB };
    counted.set(env, wrapped);
  }
  return wrapped;
}

export default {
  async fetch(request: Request, env: WorkerEnv): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === D1_BRIDGE_PATH) return bridge(request, env);
    if (pathname === D1_STATEMENTS_PATH) return Response.json({ statements });
    const sent = request.headers.get(CLOCK_HEADER);
    if (sent !== null) clock.catchUp(Number(sent));
    const headers = new Headers(request.headers);
    headers.delete(CLOCK_HEADER);
    // The client's signal goes along: it is how the Worker learns that the client went away.
    const response = await worker.fetch(new Request(request, { headers, signal: request.signal }), countingEnv(env));
    const out = new Response(response.body, response);
    out.headers.set(CLOCK_HEADER, String(clock.peek()));
    return out;
  },
};
