import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/auth/scopes.js';
import { actions } from '../../src/rpc/registry.js';
import type { Listening } from '../client/support.js';
import { createHarness, type AnyBody, type TestUser } from '../support/harness.js';
import { connect, GENERATIONS, rawRequest, serveOverHttp } from './support.js';

const h = await createHarness();
let server: Listening;
let user: TestUser;
beforeAll(async () => {
  server = await serveOverHttp(h);
  user = await h.makeUser();
});
afterAll(() => server.close());

const post = (token: string | null, generation: (typeof GENERATIONS)[number], method: string, params?: Record<string, unknown>) => {
  const { headers, body } = rawRequest(generation, method, params);
  return fetch(new URL('/mcp', server.url), {
    method: 'POST',
    headers: { ...headers, ...(token === null ? {} : { Authorization: `Bearer ${token}` }) },
    body,
  });
};

const toolNamesFor = (scopes: readonly Scope[]) =>
  actions
    .filter((a) => scopes.some((s) => s === a.scope || (a.scope.endsWith(':read') && s === a.scope.replace(':read', ':write'))))
    .map((a) => `${a.resource}_${a.action}`)
    .sort();

describe.each(GENERATIONS)('MCP on protocol %s', (generation) => {
  it('settles on that protocol version and answers every request as JSON, not SSE', async () => {
    const session = await connect(server.url, user.key, generation);
    expect(session.protocolVersion).toBe(generation);
    await session.listTools();
    await session.callTool('agents_list', {});
    await session.close();
    expect(session.answers.length).toBeGreaterThanOrEqual(2);
    for (const answer of session.answers) {
      // v1 clients also try to open a GET stream for server messages: stateless, there is none.
      if (answer.httpMethod === 'GET') expect(answer.status).toBe(405);
      // A notification is acknowledged with 202 and no body.
      else if (answer.method.startsWith('notifications/')) expect(answer).toMatchObject({ status: 202 });
      else expect(answer).toMatchObject({ status: 200, contentType: expect.stringMatching(/^application\/json/) });
    }
    expect(session.answers.filter((a) => a.method === 'tools/call')).toHaveLength(1);
  });

  it('lists one tool per registry action for an all-scopes key, with explicit annotations', async () => {
    const session = await connect(server.url, user.key, generation);
    const tools = await session.listTools();
    await session.close();
    expect(tools.map((t) => t.name).sort()).toEqual(actions.map((a) => `${a.resource}_${a.action}`).sort());
    for (const tool of tools) {
      expect(Object.keys(tool.annotations ?? {}).sort()).toEqual(['destructiveHint', 'idempotentHint', 'openWorldHint', 'readOnlyHint']);
      expect(tool.outputSchema).toBeUndefined();
    }
  });

  it.each<[string, Scope[]]>([
    ['goals:read', ['goals:read']],
    ['goals:write', ['goals:write']],
    ['agents:read', ['agents:read']],
    ['agents:write + goals:read', ['agents:write', 'goals:read']],
  ])('lists only the tools a %s key may use', async (_label, scopes) => {
    const weak = await h.makeUser({ scopes });
    const session = await connect(server.url, weak.key, generation);
    const names = (await session.listTools()).map((t) => t.name).sort();
    await session.close();
    expect(names).toEqual(toolNamesFor(scopes));
  });

  it('answers a raw tools/list as application/json', async () => {
    const res = await post(user.key, generation, 'tools/list');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { result?: { tools?: unknown[] } };
    expect(body.result?.tools).toHaveLength(actions.length);
  });

  it('answers a raw tools/call as application/json with the result and a request id', async () => {
    const res = await post(user.key, generation, 'tools/call', { name: 'agents_list', arguments: {} });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-request-id')).toMatch(/.+/);
    const body = (await res.json()) as { result?: { structuredContent?: unknown; isError?: boolean } };
    expect(body.result?.structuredContent).toMatchObject({ items: [], count: 0, has_more: false });
    expect(body.result?.isError).not.toBe(true);
  });

  it('refuses a request without credentials: 401 with WWW-Authenticate and the contract body', async () => {
    const res = await post(null, generation, 'tools/list');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    const body = (await res.json()) as AnyBody;
    expect(body).toEqual({
      success: false,
      error: { code: 'UNAUTHORIZED', message: 'Missing or invalid credentials.', retryable: false, request_id: res.headers.get('x-request-id') },
    });
  });

  it('makes the official client fail to connect with a wrong key', async () => {
    await expect(connect(server.url, `gp_${'A'.repeat(43)}`, generation)).rejects.toThrow(/UNAUTHORIZED|401|nauthorized/);
  });
});

describe('POST /mcp at the HTTP edge', () => {
  it.each(['GET', 'DELETE', 'PUT'])('answers %s with 405 METHOD_NOT_ALLOWED and Allow: POST', async (method) => {
    const res = await fetch(new URL('/mcp', server.url), {
      method,
      headers: { Authorization: `Bearer ${user.key}`, Accept: 'text/event-stream' },
    });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    const body = (await res.json()) as AnyBody;
    expect(body.error).toMatchObject({ code: 'METHOD_NOT_ALLOWED', retryable: false });
  });

  it('answers 413 PAYLOAD_TOO_LARGE for a body over the limit of /invoke, before checking credentials', async () => {
    const { headers } = rawRequest('2025-11-25', 'tools/list');
    const res = await fetch(new URL('/mcp', server.url), {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: 'x'.repeat(600 * 1024) } }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as AnyBody).error?.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers malformed JSON with a JSON-RPC parse error, as JSON', async () => {
    const { headers } = rawRequest('2025-11-25', 'tools/list');
    const res = await fetch(new URL('/mcp', server.url), { method: 'POST', headers: { ...headers, Authorization: `Bearer ${user.key}` }, body: '{"jsonrpc":' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await res.json()) as { error?: { code?: number } }).error?.code).toBe(-32700);
  });

  it('lets a browser MCP client of an allowed origin send the MCP headers (CORS preflight)', async () => {
    const withCors = await createHarness({ env: { CORS_ORIGINS: 'https://app.example.com' } });
    const res = await withCors.request('/mcp', {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example.com',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization, content-type, mcp-protocol-version, mcp-method, mcp-name',
      },
    });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/\s*,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'mcp-protocol-version', 'mcp-method', 'mcp-name']));
  });

  it('answers an unknown tool with a JSON-RPC invalid-params error', async () => {
    const res = await post(user.key, '2026-07-28', 'tools/call', { name: 'goals_explode', arguments: {} });
    const body = (await res.json()) as { error?: { code?: number; message?: string } };
    expect(body.error).toMatchObject({ code: -32602, message: expect.stringContaining('goals_explode') });
  });
});
