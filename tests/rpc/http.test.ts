import { describe, expect, it } from 'vitest';
import { BODY_LIMIT } from '../../src/app.js';
import { createHarness, snapshot, type AnyBody } from '../support/harness.js';
import { expectError, expectOk } from '../support/expect.js';

const h = await createHarness();
const user = await h.makeUser();
const listGoals = JSON.stringify({ resource: 'goals', action: 'list', data: {} });

/** POST /invoke with a raw body; `duplex` lets a ReadableStream be sent without Content-Length. */
const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  h.request('/invoke', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${user.key}`, ...headers },
    body,
    duplex: 'half',
  } as RequestInit);

/**
 * Streamed bodies answered before they are fully read: workerd's local HTTP server then resets the
 * connection, so a client sees ECONNRESET, not the 413 (the body reader is the same code on both
 * targets). Node only; so is an understated Content-Length, which real HTTP framing cannot send.
 */
const itInProcess = it.skipIf(h.target === 'worker');

const reply = async (res: Response) => ({ status: res.status, headers: res.headers, body: (await res.json()) as AnyBody });

/** A valid envelope padded with trailing whitespace (still valid JSON) to exactly `size` bytes. */
const padded = (size: number) => listGoals + ' '.repeat(size - listGoals.length);

/** A chunked body of `total` bytes in 1 KiB chunks, counting how many chunks were pulled. */
function chunked(total: number) {
  const chunk = new TextEncoder().encode(' '.repeat(1024));
  const state = { pulled: 0 };
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === 0) {
        controller.enqueue(new TextEncoder().encode(listGoals));
        sent = listGoals.length;
      } else if (sent < total) {
        controller.enqueue(chunk);
        sent += chunk.byteLength;
      } else {
        controller.close();
      }
      state.pulled += 1;
    },
  });
  return { stream, state };
}

describe('POST /invoke over HTTP', () => {
  describe('body size', () => {
    it('accepts a body of exactly 512 KiB', async () => {
      expect(BODY_LIMIT).toBe(512 * 1024);
      expectOk(await reply(await post(padded(BODY_LIMIT))));
    });

    it('returns 413 PAYLOAD_TOO_LARGE for one byte more, changing nothing', async () => {
      const before = await snapshot(h);
      const big = JSON.stringify({ resource: 'agents', action: 'create', data: { name: 'A', description: 'd'.repeat(BODY_LIMIT) } });
      for (const body of [padded(BODY_LIMIT + 1), big]) {
        const error = expectError(await reply(await post(body)), 413, 'PAYLOAD_TOO_LARGE');
        expect(error.retryable).toBe(false);
      }
      expect(await snapshot(h)).toEqual(before);
    });

    itInProcess('returns 413 PAYLOAD_TOO_LARGE from Content-Length alone, before reading the body', async () => {
      const { stream, state } = chunked(10 * BODY_LIMIT);
      expectError(await reply(await post(stream, { 'Content-Length': String(10 * BODY_LIMIT) })), 413, 'PAYLOAD_TOO_LARGE');
      expect(state.pulled).toBeLessThanOrEqual(1);
    });

    itInProcess('returns 413 PAYLOAD_TOO_LARGE for a chunked body, cutting it off at the limit', async () => {
      const { stream, state } = chunked(100 * BODY_LIMIT);
      expectError(await reply(await post(stream)), 413, 'PAYLOAD_TOO_LARGE');
      // 1 KiB chunks: reading stops within a few chunks of the limit, not at the end of the stream.
      expect(state.pulled).toBeLessThan(BODY_LIMIT / 1024 + 16);
    });

    itInProcess('returns 413 PAYLOAD_TOO_LARGE when Content-Length understates a longer body', async () => {
      const { stream } = chunked(2 * BODY_LIMIT);
      expectError(await reply(await post(stream, { 'Content-Length': '10' })), 413, 'PAYLOAD_TOO_LARGE');
    });

    it('accepts a small chunked body', async () => {
      const { stream } = chunked(4096);
      expectOk(await reply(await post(stream)));
    });
  });

  describe('methods and routes', () => {
    it.each(['GET', 'PUT', 'DELETE', 'PATCH'])('returns 405 METHOD_NOT_ALLOWED with Allow: POST for %s', async (method) => {
      const res = await h.request('/invoke', { method, headers: { Authorization: `Bearer ${user.key}` } });
      expect(res.headers.get('allow')).toBe('POST');
      const error = expectError(await reply(res), 405, 'METHOD_NOT_ALLOWED');
      expect(error.message).toBe(`Use POST on /invoke, not ${method}.`);
    });

    it('returns 404 NOT_FOUND in the error body for an unknown route', async () => {
      const error = expectError(await reply(await h.request('/nope', { method: 'POST', body: listGoals })), 404, 'NOT_FOUND');
      expect(error.message).toBe('No route POST /nope.');
    });

    it('serves GET /health without credentials', async () => {
      const res = await h.request('/health');
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ success: true, data: { status: 'ok' } });
    });
  });

  describe('X-Request-Id', () => {
    it('is on every response, and a different one per request', async () => {
      const responses = [
        await post(listGoals),
        await post(listGoals, { Authorization: 'Bearer nope' }),
        await post('{'),
        await post(padded(BODY_LIMIT + 1)),
        await h.request('/invoke'),
        await h.request('/elsewhere'),
        await h.request('/health'),
      ];
      const seen = responses.map((res) => res.headers.get('x-request-id'));
      for (const id of seen) expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(new Set(seen).size).toBe(seen.length);
    });

    it('honours a sane incoming one, in the header and the error body', async () => {
      for (const incoming of ['req-123', 'trace.abc:DEF_9', 'a'.repeat(128)]) {
        const ok = await post(listGoals, { 'X-Request-Id': incoming });
        expect(ok.headers.get('x-request-id')).toBe(incoming);
        const failed = await reply(await post('{', { 'X-Request-Id': incoming }));
        expect(failed.body.error?.request_id).toBe(incoming);
      }
    });

    it('replaces one that is not a sane token', async () => {
      for (const incoming of ['has space', 'a'.repeat(129), '<script>', 'semi;colon', 'why?']) {
        const res = await post('{', { 'X-Request-Id': incoming });
        expect(res.headers.get('x-request-id')).not.toBe(incoming);
        const id = res.headers.get('x-request-id');
        expect(id).toMatch(/^[0-9a-f-]{36}$/);
        expect((await reply(res)).body.error?.request_id).toBe(id);
      }
    });
  });

  describe('responses', () => {
    it('are JSON, not cached, and carry secure headers', async () => {
      const res = await post(listGoals);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    });
  });
});

describe('rate limiting (RATE_LIMIT_PER_MINUTE=3)', () => {
  it('returns 429 RATE_LIMITED with Retry-After once the budget is spent, changing nothing', async () => {
    const limited = await createHarness({ env: { RATE_LIMIT_PER_MINUTE: '3' } });
    const alice = await limited.makeUser();
    const create = { resource: 'agents', action: 'create', data: { name: 'A' } };
    for (let i = 0; i < 3; i += 1) {
      const ok = await alice.invoke(create);
      expectOk(ok, 201);
      expect(ok.headers.get('ratelimit-policy')).toBe('"default";q=3;w=60');
    }
    const before = await snapshot(limited);
    const refused = await alice.invoke(create);
    const error = expectError(refused, 429, 'RATE_LIMITED');
    expect(error.retryable).toBe(true);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    expect(await snapshot(limited)).toEqual(before);
  });

  it("counts per principal: another user's budget is untouched", async () => {
    const limited = await createHarness({ env: { RATE_LIMIT_PER_MINUTE: '3' } });
    const [alice, bob] = [await limited.makeUser(), await limited.makeUser()];
    for (let i = 0; i < 3; i += 1) expectOk(await alice.invoke(JSON.parse(listGoals)));
    expectError(await alice.invoke(JSON.parse(listGoals)), 429, 'RATE_LIMITED');
    expectOk(await bob.invoke(JSON.parse(listGoals)));
  });

  it('puts 413 and 401 before 429, and 429 before a 400 for the body', async () => {
    const limited = await createHarness({ env: { RATE_LIMIT_PER_MINUTE: '3' } });
    const alice = await limited.makeUser();
    for (let i = 0; i < 3; i += 1) expectOk(await alice.invoke(JSON.parse(listGoals)));
    expectError(await alice.invoke('{not json'), 429, 'RATE_LIMITED');
    expectError(await alice.invoke({ resource: 'nope', action: 'x' }), 429, 'RATE_LIMITED');
    expectError(await alice.invoke(JSON.parse(listGoals), { token: `gp_${'q'.repeat(43)}` }), 401, 'UNAUTHORIZED');
    expectError(await alice.invoke(padded(BODY_LIMIT + 1)), 413, 'PAYLOAD_TOO_LARGE');
  });
});

describe('precedence of errors (413 → 401 → 429 → 400 envelope → 403 → 400 data → 404/409)', () => {
  it('413 beats 401: an oversized body without credentials', async () => {
    expectError(await reply(await post(padded(BODY_LIMIT + 1), { Authorization: '' })), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('401 beats 400: malformed JSON or a bad envelope without valid credentials', async () => {
    expectError(await user.invoke('{oops', { token: null }), 401, 'UNAUTHORIZED');
    expectError(await user.invoke({ resource: 'nope' }, { token: 'not-a-key' }), 401, 'UNAUTHORIZED');
  });

  it('400 for the envelope beats 403: a key without scopes sending a bad envelope or id', async () => {
    const weak = await h.makeUser({ scopes: [] });
    expectError(await weak.invoke({ resource: 'goals', action: 'list', extra: true }), 400, 'VALIDATION_ERROR');
    expectError(await weak.invoke({ resource: 'goals', action: 'archive' }), 400, 'VALIDATION_ERROR');
    expectError(await weak.invoke({ resource: 'goals', action: 'get', id: 'nope' }), 400, 'VALIDATION_ERROR');
    expectError(await weak.invoke({ resource: 'goals', action: 'list', admin: true, extra: 1 }), 400, 'VALIDATION_ERROR');
  });

  it('403 for the scope beats 400 for data', async () => {
    const reader = await h.makeUser({ scopes: ['goals:read'] });
    const error = expectError(await reader.invoke({ resource: 'goals', action: 'create', data: { name: '', bogus: 1 } }), 403, 'FORBIDDEN');
    expect(error.details).toBeUndefined();
  });

  it('403 for admin mode beats 400 for data', async () => {
    expectError(await user.invoke({ resource: 'goals', action: 'list', admin: true, data: { limit: 0 } }), 403, 'FORBIDDEN');
  });

  it('400 for data beats 404: bad data aimed at a record that does not exist', async () => {
    const ghost = crypto.randomUUID();
    expectError(await user.invoke({ resource: 'goals', action: 'update', id: ghost, data: { priority: 1000 } }), 400, 'VALIDATION_ERROR');
    expectError(await user.invoke({ resource: 'goals', action: 'attach', data: { goalId: ghost, agentId: ghost, x: 1 } }), 400, 'VALIDATION_ERROR');
  });

  it('404 beats 409: an archived goal aimed at an agent the caller cannot see', async () => {
    const archived = await h.makeGoal(user, { status: 'archived' });
    const other = await h.makeUser();
    const theirs = await h.makeAgent(other);
    expectError(await user.invoke({ resource: 'goals', action: 'attach', data: { goalId: archived.id, agentId: theirs.id } }), 404, 'NOT_FOUND');
  });
});
