import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/platform/logger.js';
import { createHarness } from '../support/harness.js';
import { expectErrorBody, leakIn } from './support/contract.js';

const UPSTREAM_KEY = 'sk-test-DoNotLeakThis0123456789';

async function withLogs(env: Record<string, string> = {}) {
  const lines: string[] = [];
  const logger = createLogger('debug', (line) => lines.push(line));
  const h = await createHarness({ env: { OPENAI_API_KEY: UPSTREAM_KEY, ...env }, deps: { logger } });
  return { h, lines, user: await h.makeUser() };
}

describe('internal errors', () => {
  it('answer 500 with a generic body, and the detail goes to the log under the same request id', async () => {
    const { h, lines, user } = await withLogs();
    await sql`DROP TABLE attachments`.execute(h.db.kysely);
    await sql`DROP TABLE goals`.execute(h.db.kysely);

    const reply = await user.invoke({ resource: 'goals', action: 'list' }, { headers: { 'X-Request-Id': 'trace-me-1' } });

    expect(reply.status).toBe(500);
    expect(reply.body).toEqual({
      success: false,
      error: { code: 'INTERNAL_ERROR', message: 'An unexpected error occurred.', retryable: true, request_id: 'trace-me-1' },
    });
    expect(leakIn(JSON.stringify(reply.body))).toBeNull();
    const logged = lines.find((line) => line.includes('trace-me-1'));
    expect(logged).toContain('no such table');
    expect(lines.join('\n')).not.toContain(UPSTREAM_KEY);
  });

  it('answer the health check with the contract body when the database is gone', async () => {
    const { h } = await withLogs();
    await h.db.close();
    const res = await h.request('/health');
    expect(res.status).toBe(500);
    const body = (await res.json()) as unknown;
    expectErrorBody(body, 500);
    expect(JSON.stringify(body)).not.toMatch(/database|connection|sqlite/i);
  });

  it('never carry the upstream key, a stack, SQL or a path in any error body', async () => {
    const { h, user } = await withLogs();
    const bodies: unknown[] = [];
    for (const body of ['{', '[]', '{"resource":"goals"}', JSON.stringify({ resource: 'goals', action: 'get', id: crypto.randomUUID() })]) {
      bodies.push((await user.invoke(body)).body);
    }
    bodies.push(await (await h.request('/nowhere')).json());
    bodies.push(await (await h.request('/invoke', { method: 'GET' })).json());
    await sql`DROP TABLE attachments`.execute(h.db.kysely);
    bodies.push((await user.invoke({ resource: 'agents', action: 'list' })).body);
    for (const body of bodies) {
      expectErrorBody(body);
      expect(JSON.stringify(body)).not.toContain(UPSTREAM_KEY);
    }
  });

  it('do not echo the JSON parser message for a malformed body', async () => {
    const { user } = await withLogs();
    const reply = await user.invoke('{"resource": goals}');
    expect(reply.body.error?.details).toEqual([{ path: '', message: 'The body is not valid JSON.' }]);
  });
});

describe('security headers', () => {
  const EXPECTED: Record<string, string | RegExp> = {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'strict-transport-security': /max-age=\d+/,
    'content-security-policy': "frame-ancestors 'none'",
    'cache-control': 'no-store',
    'content-type': /^application\/json/,
  };

  it.each([
    ['a success', 'POST', '/invoke', { resource: 'agents', action: 'list' }, 200],
    ['a validation error', 'POST', '/invoke', { resource: 'nope' }, 400],
    ['a 401', 'POST', '/invoke', null, 401],
    ['a 405', 'GET', '/invoke', undefined, 405],
    ['an unknown route', 'GET', '/admin', undefined, 404],
    ['the health check', 'GET', '/health', undefined, 200],
  ] as const)('are set on %s', async (_label, method, path, envelope, status) => {
    const { h, user } = await withLogs();
    const res = await h.request(path, {
      method,
      headers: { 'Content-Type': 'application/json', ...(envelope === null ? {} : { Authorization: `Bearer ${user.key}` }) },
      ...(method === 'POST' ? { body: JSON.stringify(envelope ?? {}) } : {}),
    });
    expect(res.status).toBe(status);
    for (const [name, value] of Object.entries(EXPECTED)) {
      if (typeof value === 'string') expect(res.headers.get(name), name).toBe(value);
      else expect(res.headers.get(name), name).toMatch(value);
    }
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('x-request-id')).toBeTruthy();
    if (path === '/invoke' && method === 'POST') expect(res.headers.get('cache-control')).toBe('no-store');
  });
});

describe('CORS', () => {
  const preflight = (origin: string) => ({
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type,idempotency-key' },
  });

  it('allows no origin by default: no Access-Control-Allow-Origin on a preflight or a call', async () => {
    const { h, user } = await withLogs();
    const pre = await h.request('/invoke', preflight('https://app.example'));
    const call = await h.request('/invoke', {
      method: 'POST',
      headers: { Origin: 'https://app.example', Authorization: `Bearer ${user.key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ resource: 'agents', action: 'list' }),
    });
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(call.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows exactly the CORS_ORIGINS, with the headers a client needs, and nobody else', async () => {
    const { h } = await withLogs({ CORS_ORIGINS: 'https://app.example, https://admin.example' });
    for (const origin of ['https://app.example', 'https://admin.example']) {
      const res = await h.request('/invoke', preflight(origin));
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('idempotency-key');
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      expect(res.headers.get('vary')?.toLowerCase()).toContain('origin');
    }
    for (const origin of ['https://evil.example', 'https://app.example.evil.example', 'null', '*']) {
      const res = await h.request('/invoke', preflight(origin));
      expect(res.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
  });
});
