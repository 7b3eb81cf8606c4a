import type { Context, Hono } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { EventSignal, StreamTimings } from '../events/signal.js';
import type { ApiEvent } from '../events/schemas.js';
import { latestEventId } from '../events/store.js';
import { dispatch, type Call } from '../rpc/dispatch.js';
import { ApiError, unauthorized, validationError } from '../rpc/errors.js';
import { authenticateRequest, takeBudget, type Edge, type HttpEnv } from './edge.js';

/*
 * GET /events: the events.list feed as Server-Sent Events; each read dispatches events.list with the
 * caller's principal (scope, admin mode, filters, owner scoping). Before the stream starts errors are
 * JSON (401 also for a URL token → 429 → 400/403); after, a failure ends it and the client resumes.
 */

/** What a browser resends after a dropped stream (SSE's `retry` field), in milliseconds. */
const RETRY_MS = 2000;
const PAGE = 100;
/** URLs end up in logs and histories: a credential there is refused, even next to a valid header. */
const URL_CREDENTIALS = ['token', 'access_token', 'api_key', 'key'];
const QUERY_KEYS = new Set(['types', 'goal_id', 'agent_id', 'owner_id', 'admin', 'after']);

interface Feed {
  items: ApiEvent[];
  has_more: boolean;
  next_after: string | null;
}

/** The query string as events.list data (without `after`), and whether admin mode is asked for. */
function feedRequest(url: URL): { data: Record<string, unknown>; admin: boolean } {
  const unknown = [...url.searchParams.keys()].filter((key) => !QUERY_KEYS.has(key));
  if (unknown.length > 0) {
    throw validationError(unknown.map((key) => ({ path: `query.${key}`, message: `Unknown parameter. Valid: ${[...QUERY_KEYS].join(', ')}.` })));
  }
  const admin = url.searchParams.get('admin');
  if (admin !== null && admin !== 'true' && admin !== 'false') {
    throw validationError([{ path: 'query.admin', message: 'Expected true or false.' }]);
  }
  const types = url.searchParams.get('types');
  const data: Record<string, unknown> = {
    ...(types !== null ? { types: types.split(',').map((t) => t.trim()) } : {}),
    ...(url.searchParams.has('goal_id') ? { goalId: url.searchParams.get('goal_id') } : {}),
    ...(url.searchParams.has('agent_id') ? { agentId: url.searchParams.get('agent_id') } : {}),
    ...(url.searchParams.has('owner_id') ? { ownerId: url.searchParams.get('owner_id') } : {}),
  };
  return { data, admin: admin === 'true' };
}

async function writeEvent(s: SSEStreamingApi, event: ApiEvent): Promise<void> {
  await s.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
}

/** Whether the stream's credential still authenticates (the check behind a request's 401); other failures throw. */
async function stillValid(edge: Edge, authorization: string | undefined): Promise<boolean> {
  try {
    await edge.authenticate(authorization);
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.code === 'UNAUTHORIZED') return false;
    throw err;
  }
}

async function openStream(c: Context<HttpEnv>, edge: Edge, signal: EventSignal, timings: StreamTimings): Promise<Response> {
  const url = new URL(c.req.url);
  if (URL_CREDENTIALS.some((key) => url.searchParams.has(key))) throw unauthorized();
  const authorization = c.req.header('authorization');
  const principal = await authenticateRequest(c, edge);
  takeBudget(c, edge, principal);
  const { data, admin } = feedRequest(url);
  const notes = c.get('notes');
  const call: Call = {
    principal,
    requestId: c.get('requestId'),
    onResolved: (key) => {
      notes.action = `${key}:stream`;
    },
  };
  const read = async (after: string) =>
    (await dispatch({ resource: 'events', action: 'list', data: { ...data, after, limit: PAGE }, ...(admin ? { admin: true } : {}) }, call, edge.services))
      .data as Feed;

  // Without a position the stream starts from now: after the newest event of anyone.
  const resume = c.req.header('last-event-id')?.trim() || url.searchParams.get('after') || undefined;
  const start = resume ?? String(await latestEventId(edge.services.db));
  // The first read, before the stream starts, so a bad filter or scope is still a JSON 4xx.
  const first = await read(start);
  c.header('X-Accel-Buffering', 'no');

  return streamSSE(c, async (s) => {
    const stop = new AbortController();
    s.onAbort(() => stop.abort());
    // On Workers the request's signal is what says the client went away (flag enable_request_signal).
    c.req.raw.signal.addEventListener('abort', () => stop.abort(), { once: true });
    const end = setTimeout(() => stop.abort(), timings.maxMs);
    let page = first;
    let nextPing = Date.now() + timings.pingMs;
    try {
      // The position the stream starts from, as its last event id: a client that must reconnect before
      // any event came resumes from here (EventSource keeps it), not from a later "now" that skips the gap.
      await s.write(`retry: ${RETRY_MS}\nid: ${start}\n\n`);
      for (;;) {
        for (const event of page.items) await writeEvent(s, event);
        const after = page.next_after ?? start;
        if (!page.has_more) {
          await signal.wait(Math.max(0, Math.min(timings.pollMs, nextPing - Date.now())), stop.signal);
          if (stop.signal.aborted) break;
          if (Date.now() >= nextPing) {
            // The credential is checked again at each ping: a revoked or expired key (or session)
            // ends its stream within one ping interval, not at the stream's maximum duration.
            if (!(await stillValid(edge, authorization))) break;
            await s.write(': ping\n\n');
            nextPing = Date.now() + timings.pingMs;
          } else if (timings.probeEachPoll) {
            await s.write(':\n\n');
            if (stop.signal.aborted) break;
          }
        }
        page = await read(after);
      }
    } catch (err) {
      // The client sees the stream end and resumes; the reason stays in the log.
      if (!stop.signal.aborted) edge.services.logger.error('event stream failed', { request_id: call.requestId, err });
    } finally {
      clearTimeout(end);
    }
  });
}

export function eventRoutes(app: Hono<HttpEnv>, edge: Edge, signal: EventSignal, timings: StreamTimings): void {
  app.get('/events', (c) => openStream(c, edge, signal, timings));
}
