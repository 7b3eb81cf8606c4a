import { createApp } from './app.js';
import { parseConfig, type Config } from './config.js';
import { createD1Db, type D1Binding } from './db/d1.js';
import { adminAssets } from './http/admin-assets.built.js';
import { createLlm } from './llm/openai.js';
import { systemClock, type Clock } from './platform/clock.js';
import { createLogger } from './platform/logger.js';
import { errorBody, toApiError } from './rpc/errors.js';

/** The Worker's bindings: the D1 database `DB`, plus the vars and secrets of wrangler.toml / `wrangler secret put`. */
export interface WorkerEnv {
  DB: D1Binding;
  [name: string]: unknown;
}

export interface WorkerOptions {
  /** Tests freeze time through this; deployed Workers use the system clock. */
  clock?: Clock;
}

type App = ReturnType<typeof createApp>;

/** Vars arrive as strings, or as numbers and booleans when wrangler.toml writes them unquoted. */
function configFrom(env: WorkerEnv): Config {
  const vars: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') vars[name] = String(value);
  }
  return parseConfig(vars);
}

/**
 * The Workers composition root. The app (config, D1 `Db`, rate limiter, JWKS cache) is built once
 * per isolate — keyed on the env object, which the runtime passes unchanged to every request of
 * that isolate — not once per request.
 */
export function createWorker(options: WorkerOptions = {}) {
  const apps = new WeakMap<WorkerEnv, App>();

  function appFor(env: WorkerEnv): App {
    const cached = apps.get(env);
    if (cached) return cached;
    const config = configFrom(env);
    const logger = createLogger(config.LOG_LEVEL);
    const app = createApp({
      db: createD1Db(env.DB, logger),
      config,
      llm: createLlm(config, logger),
      clock: options.clock ?? systemClock,
      logger,
      adminAssets,
      // Each open stream reads D1 once a second (README: the cost per stream); isolates share no wake-ups.
      // An idle stream writes an empty comment at each poll: only a write shows workerd a client that left.
      events: { pollMs: 1000, wakeOnWrite: false, probeEachPoll: true },
    });
    apps.set(env, app);
    return app;
  }

  return {
    fetch: async (request: Request, env: WorkerEnv): Promise<Response> => {
      let app: App;
      try {
        app = appFor(env);
      } catch (err) {
        // A bad var or secret: every request fails alike, with the reason in the log (wrangler tail).
        const requestId = crypto.randomUUID();
        createLogger(env.LOG_LEVEL === 'silent' ? 'silent' : 'error').error('cannot build the app from env', { request_id: requestId, err });
        return Response.json(errorBody(toApiError(err), requestId), { status: 500, headers: { 'X-Request-Id': requestId } });
      }
      return app.fetch(request);
    },
  };
}

export default createWorker();
