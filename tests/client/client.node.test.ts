import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiService, createClient, type RetryEvent } from '../../src/client/index.js';
import type { RateLimiter } from '../../src/platform/rate-limit.js';
import { BODY_LIMIT } from '../../src/rpc/envelope.js';
import { completion, startFakeOpenAi } from '../support/fake-openai.js';
import { createHarness, type TestUser } from '../support/harness.js';
import { faultyProxy, listen, serveHarness, type Fault, type Listening } from './support.js';

/** A limiter that refuses the `take` calls listed in `refuse` (1-based) with the given Retry-After. */
function scriptedLimiter(refuse: Set<number>, resetSeconds: number): RateLimiter & { calls: number } {
  const decide = (n: number) => {
    const allowed = !refuse.has(n);
    return { allowed, limit: 100, remaining: allowed ? 99 : 0, resetSeconds };
  };
  return {
    limit: 100,
    windowSeconds: 60,
    calls: 0,
    take() {
      this.calls += 1;
      return decide(this.calls);
    },
    peek() {
      return decide(this.calls + 1);
    },
  };
}

const limiter = scriptedLimiter(new Set(), 1);
const h = await createHarness({ deps: { rateLimiter: limiter } });
let server: Listening;
let alice: TestUser;
let agentId: string;
const proxies: Listening[] = [];

beforeAll(async () => {
  server = await serveHarness(h);
  alice = await h.makeUser();
  agentId = (await h.makeAgent(alice)).id;
});
afterEach(async () => {
  limiter.take = scriptedLimiter(new Set(), 1).take;
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});
afterAll(() => server.close());

const fast = { retries: 2, baseDelayMs: 1, maxDelayMs: 2_000 };

async function throughProxy(faults: Fault[], target = server.url) {
  const proxy = await faultyProxy(target, faults);
  proxies.push(proxy);
  return proxy;
}

const goalCount = async (name: string) =>
  (await h.db.kysely.selectFrom('goals').select('id').where('name', '=', name).execute()).length;

describe('createClient against the real server over HTTP', () => {
  it('creates and reads a goal, resolving to the success body with the result', async () => {
    const client = createClient({ baseUrl: server.url, token: alice.key });
    const created = await client.invoke({ resource: 'goals', action: 'create', data: { agent_id: agentId, name: 'Book a demo' } });
    expect(created).toMatchObject({ success: true, data: { name: 'Book a demo', status: 'active', fields: [] } });
    if (!created.success) throw new Error('unreachable');
    const fetched = await client.invoke({ resource: 'goals', action: 'get', id: created.data.id });
    expect(fetched).toEqual({ success: true, data: created.data });
  });

  it('asks getToken before every call, so a refreshed token is used', async () => {
    const tokens = ['gp_not_a_real_key', alice.key];
    const client = createClient({ baseUrl: `${server.url}/`, getToken: async () => tokens.shift() });
    const first = await client.invoke({ resource: 'agents', action: 'list' });
    const second = await client.invoke({ resource: 'agents', action: 'list' });
    expect(first.success ? null : first.error.code).toBe('UNAUTHORIZED');
    expect(second.success).toBe(true);
  });

  it('resolves to the error body for each server error kind, without retrying what a retry cannot fix', async () => {
    const reader = await h.makeUser({ scopes: ['goals:read'] });
    const archived = await h.makeGoal(alice, { agent_id: agentId, status: 'archived' });
    const retries: RetryEvent[] = [];
    const client = createClient({ baseUrl: server.url, token: alice.key, retry: fast, onRetry: (e) => retries.push(e) });
    const asReader = createClient({ baseUrl: server.url, token: reader.key });
    const asNobody = createClient({ baseUrl: server.url, token: 'gp_wrong' });

    const codes = {
      // A typed client cannot send bad data; a plain-JS caller can, so cast past the compiler here.
      validation: await client.invoke({ resource: 'goals', action: 'create', data: { agent_id: agentId, name: '' } }),
      unknownKey: await client.invoke({ resource: 'agents', action: 'create', data: { name: 'x', color: 1 } as { name: string } }),
      unauthorized: await asNobody.invoke({ resource: 'goals', action: 'list' }),
      forbidden: await asReader.invoke({ resource: 'goals', action: 'create', data: { agent_id: agentId, name: 'x' } }),
      notFound: await client.invoke({ resource: 'goals', action: 'get', id: crypto.randomUUID() }),
      conflict: await client.invoke({ resource: 'goals', action: 'attach', data: { goalId: archived.id, agentId } }),
      tooLarge: await client.invoke({ resource: 'agents', action: 'create', data: { name: 'x'.repeat(BODY_LIMIT + 1) } }),
    };
    const seen = Object.fromEntries(Object.entries(codes).map(([k, r]) => [k, r.success ? 'success' : r.error.code]));
    expect(seen).toEqual({
      validation: 'VALIDATION_ERROR',
      unknownKey: 'VALIDATION_ERROR',
      unauthorized: 'UNAUTHORIZED',
      forbidden: 'FORBIDDEN',
      notFound: 'NOT_FOUND',
      conflict: 'CONFLICT',
      tooLarge: 'PAYLOAD_TOO_LARGE',
    });
    expect(codes.unknownKey.success ? [] : codes.unknownKey.error.details).toEqual([{ path: 'data.color', message: 'Unknown key.' }]);
    expect(retries).toEqual([]);
  });

  it('sends its X-Request-Id, which the server echoes in the error body', async () => {
    const client = createClient({ baseUrl: server.url, token: alice.key });
    const reply = await client.invoke({ resource: 'agents', action: 'get', id: crypto.randomUUID() }, { requestId: 'trace-42' });
    expect(reply.success ? null : reply.error.request_id).toBe('trace-42');
  });

  it('reports NETWORK_ERROR when nothing listens, after its retries', async () => {
    const closed = await listen(() => new Response('unused'));
    await closed.close();
    const retries: RetryEvent[] = [];
    const client = createClient({ baseUrl: closed.url, token: alice.key, retry: fast, onRetry: (e) => retries.push(e) });
    const reply = await client.invoke({ resource: 'goals', action: 'list' });
    expect(reply).toMatchObject({ success: false, error: { code: 'NETWORK_ERROR', retryable: true } });
    expect(retries.map((r) => r.retry)).toEqual([1, 2]);
  });

  it('reports BAD_RESPONSE for a gateway page that is not a Goalpost body, and retries it for a read', async () => {
    const proxy = await throughProxy(['html']);
    const client = createClient({ baseUrl: proxy.url, token: alice.key, retry: fast });
    expect((await client.invoke({ resource: 'agents', action: 'list' })).success).toBe(true);
    expect(proxy.seen).toHaveLength(2);

    const once = await throughProxy(['html']);
    const noRetry = createClient({ baseUrl: once.url, token: alice.key, retry: false });
    const reply = await noRetry.invoke({ resource: 'agents', action: 'list' });
    expect(reply).toMatchObject({ success: false, error: { code: 'BAD_RESPONSE', retryable: true } });
  });
});

describe('retries', () => {
  it('waits the Retry-After of a 429, then succeeds, for a write that has no idempotency key', async () => {
    const script = scriptedLimiter(new Set([1]), 1);
    limiter.take = script.take.bind(script);
    const retries: RetryEvent[] = [];
    const client = createClient({ baseUrl: server.url, token: alice.key, onRetry: (e) => retries.push(e) });
    const reply = await client.invoke({ resource: 'agents', action: 'update', id: agentId, data: { description: 'Retried' } });
    expect(reply).toMatchObject({ success: true, data: { description: 'Retried' } });
    expect(retries).toEqual([
      expect.objectContaining({ retry: 1, delayMs: 1000, status: 429, error: expect.objectContaining({ code: 'RATE_LIMITED' }) }),
    ]);
    expect(script.calls).toBe(2);
  });

  it('gives up at once when Retry-After is longer than maxDelayMs', async () => {
    const script = scriptedLimiter(new Set([1, 2, 3]), 60);
    limiter.take = script.take.bind(script);
    const client = createClient({ baseUrl: server.url, token: alice.key, retry: { maxDelayMs: 5_000 } });
    const reply = await client.invoke({ resource: 'goals', action: 'list' });
    expect(reply).toMatchObject({ success: false, error: { code: 'RATE_LIMITED', retryable: true } });
    expect(script.calls).toBe(1);
  });

  it('retries a create that timed out with the same Idempotency-Key, and the server keeps one row', async () => {
    const proxy = await throughProxy(['hold']);
    const client = createClient({ baseUrl: proxy.url, token: alice.key, timeoutMs: 300, retry: fast });
    const reply = await client.invoke({ resource: 'goals', action: 'create', data: { agent_id: agentId, name: 'Timed out once' } });

    expect(reply).toMatchObject({ success: true, data: { name: 'Timed out once' } });
    expect(proxy.seen).toHaveLength(2);
    const [first, second] = proxy.seen.map((s) => s.headers['idempotency-key']);
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    expect(second).toBe(first);
    expect(await goalCount('Timed out once')).toBe(1);
  });

  it('uses the caller-given Idempotency-Key across attempts after a cut connection', async () => {
    const proxy = await throughProxy(['cut']);
    const client = createClient({ baseUrl: proxy.url, token: alice.key, retry: fast });
    const reply = await client.invoke(
      { resource: 'agents', action: 'create', data: { name: 'Cut once' } },
      { idempotencyKey: 'draft-7f3a' },
    );
    expect(reply.success).toBe(true);
    expect(proxy.seen.map((s) => s.headers['idempotency-key'])).toEqual(['draft-7f3a', 'draft-7f3a']);
    const agents = await h.db.kysely.selectFrom('agents').select('id').where('name', '=', 'Cut once').execute();
    expect(agents).toHaveLength(1);
  });

  it('does not repeat an update whose answer was lost, since the server may have applied it', async () => {
    const proxy = await throughProxy(['cut']);
    const client = createClient({ baseUrl: proxy.url, token: alice.key, retry: fast });
    const reply = await client.invoke({ resource: 'agents', action: 'update', id: agentId, data: { name: 'Applied once' } });
    expect(reply).toMatchObject({ success: false, error: { code: 'NETWORK_ERROR', retryable: true } });
    expect(proxy.seen).toHaveLength(1);
    expect(proxy.seen[0]?.headers['idempotency-key']).toBeUndefined();
    // The lost answer was a success: the change happened exactly once.
    const agent = await createClient({ baseUrl: server.url, token: alice.key }).invoke({ resource: 'agents', action: 'get', id: agentId });
    expect(agent).toMatchObject({ success: true, data: { name: 'Applied once' } });
  });

  it('repeats a read after a cut connection', async () => {
    const proxy = await throughProxy(['cut', 'cut']);
    const client = createClient({ baseUrl: proxy.url, token: alice.key, retry: fast });
    expect((await client.invoke({ resource: 'goals', action: 'list' })).success).toBe(true);
    expect(proxy.seen).toHaveLength(3);
  });

  it('rejects with the reason when the caller aborts, and stops retrying', async () => {
    const proxy = await throughProxy(['hold', 'hold', 'hold']);
    const client = createClient({ baseUrl: proxy.url, token: alice.key });
    const controller = new AbortController();
    const pending = client.invoke({ resource: 'goals', action: 'list' }, { signal: controller.signal });
    while (proxy.seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort(new Error('user left the page'));
    await expect(pending).rejects.toThrow('user left the page');
    expect(proxy.seen).toHaveLength(1);
  });
});

const fake = await startFakeOpenAi();
const withLlm = await createHarness({ env: { OPENAI_BASE_URL: fake.url, OPENAI_TIMEOUT_MS: '300' } });

describe('the AI and fault error kinds through the client', () => {
  let llmServer: Listening;
  let user: TestUser;
  beforeAll(async () => {
    llmServer = await serveHarness(withLlm);
    user = await withLlm.makeUser();
  });
  afterEach(() => fake.reset());
  afterAll(async () => {
    await llmServer.close();
    await fake.close();
  });

  const draft = { name: 'Book a meeting', description: null, priority: 10, fields: [] };
  const generate = { resource: 'goals', action: 'generate', data: { description: 'Inbound sales: book meetings.' } } as const;

  it('does not retry 503 AI_NOT_CONFIGURED, which a repeat cannot fix', async () => {
    const retries: RetryEvent[] = [];
    const client = createClient({ baseUrl: server.url, token: alice.key, retry: fast, onRetry: (e) => retries.push(e) });
    const reply = await client.invoke(generate);
    expect(reply).toMatchObject({ success: false, error: { code: 'AI_NOT_CONFIGURED', retryable: false } });
    expect(retries).toEqual([]);
  });

  it('retries a retryable 502 AI_UPSTREAM_ERROR of generate with the same Idempotency-Key, then succeeds', async () => {
    const relay = await throughProxy([], llmServer.url);
    fake.enqueue(completion('not json'), completion(draft));
    const retries: RetryEvent[] = [];
    const client = createClient({ baseUrl: relay.url, token: user.key, retry: fast, onRetry: (e) => retries.push(e) });
    const reply = await client.invoke(generate);
    expect(reply).toMatchObject({ success: true, data: { suggestion: { name: 'Book a meeting', status: 'draft' } } });
    expect(retries.map((r) => [r.status, r.error.code])).toEqual([[502, 'AI_UPSTREAM_ERROR']]);
    const keys = relay.seen.map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
  });

  it('reports 504 AI_TIMEOUT as retryable when the model does not answer in time', async () => {
    fake.fallback({ hang: true });
    const client = createClient({ baseUrl: llmServer.url, token: user.key, retry: false });
    const reply = await client.invoke(generate);
    expect(reply).toMatchObject({ success: false, error: { code: 'AI_TIMEOUT', retryable: true } });
  });

  it('retries a read that met 500 INTERNAL_ERROR, and reports the error when it persists', async () => {
    const broken = await createHarness();
    const owner = await broken.makeUser();
    const brokenServer = await serveHarness(broken);
    await broken.db.close();
    const retries: RetryEvent[] = [];
    const client = createClient({ baseUrl: brokenServer.url, token: owner.key, retry: fast, onRetry: (e) => retries.push(e) });
    const reply = await client.invoke({ resource: 'goals', action: 'list' });
    await brokenServer.close();
    expect(reply).toMatchObject({ success: false, error: { code: 'INTERNAL_ERROR', retryable: true, message: 'An unexpected error occurred.' } });
    expect(retries).toHaveLength(2);
  });
});

describe('ApiService', () => {
  it('rejects a call made before configure, then works once configured', async () => {
    await expect(ApiService.invoke({ resource: 'agents', action: 'list' })).rejects.toThrow(/ApiService.configure/);
    ApiService.configure({ baseUrl: server.url, token: alice.key });
    const reply = await ApiService.invoke({ resource: 'agents', action: 'get', id: agentId });
    expect(reply).toMatchObject({ success: true, data: { id: agentId } });
  });
});

describe('client.batch', () => {
  it('returns the per-item bodies in order, typed as a tuple', async () => {
    const client = createClient({ baseUrl: server.url, token: alice.key });
    const reply = await client.batch([
      { resource: 'agents', action: 'get', id: agentId },
      { resource: 'goals', action: 'get', id: crypto.randomUUID() },
      { resource: 'goals', action: 'list', data: { agentId, limit: 1 } },
    ]);
    if (!reply.success) throw new Error(JSON.stringify(reply.error));
    const [agent, missing, goals] = reply.data;
    expect(agent).toMatchObject({ success: true, data: { id: agentId } });
    expect(missing).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
    expect(goals).toMatchObject({ success: true, data: { items: [expect.objectContaining({ agent_id: agentId })] } });
  });

  it('repeats an all-read batch after a cut connection, but not one holding a write, and sends no key', async () => {
    const reads = await throughProxy(['cut']);
    const reader = createClient({ baseUrl: reads.url, token: alice.key, retry: fast });
    expect((await reader.batch([{ resource: 'agents', action: 'list' }])).success).toBe(true);
    expect(reads.seen).toHaveLength(2);

    const writes = await throughProxy(['cut']);
    const writer = createClient({ baseUrl: writes.url, token: alice.key, retry: fast });
    const reply = await writer.batch([
      { resource: 'agents', action: 'list' },
      { resource: 'agents', action: 'create', data: { name: 'Batched once' } },
    ]);
    expect(reply).toMatchObject({ success: false, error: { code: 'NETWORK_ERROR' } });
    expect(writes.seen).toHaveLength(1);
    expect([...reads.seen, ...writes.seen].map((s) => s.headers['idempotency-key'])).toEqual([undefined, undefined, undefined]);
  });

  it('fails as a whole only for whole-request errors, such as bad credentials', async () => {
    const client = createClient({ baseUrl: server.url, token: 'gp_wrong' });
    const reply = await client.batch([{ resource: 'goals', action: 'list' }]);
    expect(reply).toMatchObject({ success: false, error: { code: 'UNAUTHORIZED' } });
  });
});
