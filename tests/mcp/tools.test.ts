import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actions } from '../../src/rpc/registry.js';
import type { Listening } from '../client/support.js';
import { startWorkingLlm } from '../reliability/support/llm.js';
import { createHarness, snapshot, type TestUser } from '../support/harness.js';
import { actionKey, makeFixture, samples } from '../support/samples.js';
import { argumentsOf, connect, rawRequest, serveOverHttp, toolOf, type McpSession, type ToolAnswer } from './support.js';

const { fake, env } = await startWorkingLlm();
const h = await createHarness({ env });
let server: Listening;
let owner: TestUser;
let session: McpSession;
beforeAll(async () => {
  server = await serveOverHttp(h);
  owner = await h.makeUser();
  session = await connect(server.url, owner.key, '2026-07-28');
});
afterAll(async () => {
  await session.close();
  await server.close();
  await fake.close();
});

/** The text copy of a tool answer, parsed. */
const textOf = (answer: ToolAnswer): unknown => {
  const [first] = answer.content as { type: string; text: string }[];
  expect(first?.type).toBe('text');
  return JSON.parse(first?.text ?? 'null');
};

describe.each(actions.map((spec) => [actionKey(spec)] as const))('the %s tool', (key) => {
  it('returns what POST /invoke returns, as structured content and as text', async () => {
    // Two fixtures alike: the tool acts on one, /invoke on the other, so writes compare too.
    const viaTool = await makeFixture(h, owner);
    const viaInvoke = await makeFixture(h, owner);
    const answer = await session.callTool(toolOf(samples[key](viaTool)), argumentsOf(samples[key](viaTool)));
    const invoked = await owner.invoke(samples[key](viaInvoke));

    expect(invoked.body.success).toBe(true);
    expect(answer.isError).not.toBe(true);
    expect(answer.structuredContent).toBeTypeOf('object');
    expect(textOf(answer)).toEqual(answer.structuredContent);
    expect(Object.keys(answer.structuredContent ?? {}).sort()).toEqual(Object.keys(invoked.body.data as object).sort());
  });
});

describe('tool calls go through the dispatcher', () => {
  it('reads exactly what /invoke reads', async () => {
    const f = await makeFixture(h, owner);
    const answer = await session.callTool('goals_get', { id: f.goalId });
    const invoked = await owner.invoke({ resource: 'goals', action: 'get', id: f.goalId });
    expect(answer.structuredContent).toEqual(invoked.body.data);
  });

  it('returns VALIDATION_ERROR as an isError result with one detail per problem, paths naming the arguments', async () => {
    const f = await makeFixture(h, owner);
    const before = await snapshot(h);
    const answer = await session.callTool('goals_create', {
      agent_id: f.agentId,
      name: '',
      fields: [{ key: 'Bad Key', label: 'x', type: 'text' }],
    });
    expect(answer.isError).toBe(true);
    expect(answer.structuredContent).toMatchObject({ code: 'VALIDATION_ERROR', retryable: false, request_id: expect.any(String) });
    const paths = (answer.structuredContent?.details as { path: string }[]).map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'fields.0.key']));
    expect(textOf(answer)).toEqual(answer.structuredContent);
    expect(await snapshot(h)).toEqual(before);
  });

  it('reports a malformed id at path id', async () => {
    const answer = await session.callTool('goals_get', { id: 'not-a-uuid' });
    expect(answer.structuredContent).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ path: 'id', message: 'Must be a valid UUID.' }] });
  });

  it('answers CONFLICT for a state rule, as /invoke does', async () => {
    const f = await makeFixture(h, owner);
    const answer = await session.callTool('agents_delete', { id: f.agentId });
    expect(answer).toMatchObject({ isError: true, structuredContent: { code: 'CONFLICT', retryable: false } });
  });

  it('honours idempotency_key: the same key and arguments replay the first result, other arguments are a CONFLICT', async () => {
    const f = await makeFixture(h, owner);
    const args = { agent_id: f.agentId, name: 'Once only', idempotency_key: `mcp-${crypto.randomUUID()}` };
    const first = await session.callTool('goals_create', args);
    const again = await session.callTool('goals_create', args);
    const other = await session.callTool('goals_create', { ...args, name: 'Something else' });
    expect(again.structuredContent).toEqual(first.structuredContent);
    expect(other).toMatchObject({ isError: true, structuredContent: { code: 'CONFLICT' } });
    const listed = await owner.invoke({ resource: 'goals', action: 'list', data: { agentId: f.agentId, q: 'Once only' } });
    expect(listed.body.data.count).toBe(1);
  });

  it('refuses a malformed idempotency_key at its own path', async () => {
    const f = await makeFixture(h, owner);
    const answer = await session.callTool('agents_create', { name: 'x', idempotency_key: '' });
    expect(answer.structuredContent).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ path: 'idempotency_key' }] });
    const nonString = await session.callTool('goals_attach', { goalId: f.goalId, agentId: f.agentId, idempotency_key: 7 });
    expect(nonString.structuredContent).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ path: 'idempotency_key' }] });
  });

  it('treats idempotency_key as an unknown argument on a tool that does not honour it', async () => {
    const f = await makeFixture(h, owner);
    const answer = await session.callTool('goals_update', { id: f.goalId, name: 'Renamed', idempotency_key: 'k1' });
    expect(answer.structuredContent).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ path: 'idempotency_key', message: 'Unknown key.' }] });
  });

  it('runs admin mode for an admin and refuses it to anyone else', async () => {
    const f = await makeFixture(h, owner);
    const admin = await h.makeUser({ admin: true });
    const adminSession = await connect(server.url, admin.key, '2026-07-28');
    const got = await adminSession.callTool('goals_get', { id: f.goalId, admin: true });
    await adminSession.close();
    expect(got.structuredContent).toMatchObject({ id: f.goalId, owner: { id: owner.id } });

    const refused = await session.callTool('goals_get', { id: f.goalId, admin: true });
    expect(refused.structuredContent).toMatchObject({ code: 'FORBIDDEN', message: 'Admin mode needs the admin role.' });
  });
});

describe('the budgets on /mcp', () => {
  it("spends generate's own budget once per real call and then answers RATE_LIMITED without asking the LLM", async () => {
    const budgeted = await createHarness({ env: { ...env, GENERATE_PER_MINUTE: '1' } });
    const budgetedServer = await serveOverHttp(budgeted);
    const user = await budgeted.makeUser();
    const mcp = await connect(budgetedServer.url, user.key, '2025-11-25');
    const asked = fake.requests.length;
    const first = await mcp.callTool('goals_generate', { description: 'Book a qualified meeting.' });
    const second = await mcp.callTool('goals_generate', { description: 'Book another meeting.' });
    await mcp.close();
    await budgetedServer.close();

    expect(first.isError).not.toBe(true);
    expect(second).toMatchObject({ isError: true, structuredContent: { code: 'RATE_LIMITED', retryable: true } });
    expect(fake.requests.length - asked).toBe(1);
  });


  it('answers a tool call over the budget as a retryable RATE_LIMITED result, anything else with 429', async () => {
    const limited = await createHarness({ env: { RATE_LIMIT_PER_MINUTE: '1' } });
    const limitedServer = await serveOverHttp(limited);
    const user = await limited.makeUser();
    const post = (method: string, params?: Record<string, unknown>) => {
      const { headers, body } = rawRequest('2026-07-28', method, params);
      return fetch(new URL('/mcp', limitedServer.url), { method: 'POST', headers: { ...headers, Authorization: `Bearer ${user.key}` }, body });
    };
    const first = await post('tools/call', { name: 'agents_list', arguments: {} });
    const call = await post('tools/call', { name: 'agents_create', arguments: { name: 'Never made' } });
    const callBody = (await call.json()) as { result: ToolAnswer };
    const list = await post('tools/list');
    const listBody = (await list.json()) as { error?: { code?: string } };
    await limitedServer.close();

    expect(first.status).toBe(200);
    expect(call.status).toBe(200);
    expect(call.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(callBody.result).toMatchObject({ isError: true, structuredContent: { code: 'RATE_LIMITED', retryable: true } });
    expect(list.status).toBe(429);
    expect(listBody.error?.code).toBe('RATE_LIMITED');
    const agents = await limited.db.kysely.selectFrom('agents').select('name').execute();
    expect(agents).toEqual([]);
  });
});
