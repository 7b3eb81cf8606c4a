import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, type LogLevel } from '../../src/platform/logger.js';
import { completion, failure, startFakeOpenAi } from '../support/fake-openai.js';
import { createHarness } from '../support/harness.js';

// Node only: the log is captured in-process through the harness's logger injection.
const fake = await startFakeOpenAi();
afterAll(() => fake.close());
beforeEach(() => fake.reset());

type Line = Record<string, unknown>;

async function setup(level: LogLevel = 'info') {
  const lines: Line[] = [];
  const raw: string[] = [];
  const logger = createLogger(level, (line) => {
    raw.push(line);
    lines.push(JSON.parse(line) as Line);
  });
  const h = await createHarness({
    env: { OPENAI_BASE_URL: fake.url, OPENAI_MODEL: 'log-test-model', OPENAI_TIMEOUT_MS: '5000' },
    deps: { logger },
  });
  const user = await h.makeUser();
  lines.length = 0;
  raw.length = 0;
  const requests = () => lines.filter((l) => l.msg === 'request');
  return { h, user, lines, raw, requests };
}

const draft = {
  name: 'Book a meeting',
  description: 'A confirmed time.',
  priority: 50,
  fields: [{ key: 'email', label: 'Email', type: 'email', required: true, description: null, options: null }],
};

describe('the access log', () => {
  it('writes one info line per request with method, path, action, status, duration, request id and user id', async () => {
    const { user, requests } = await setup();
    const reply = await user.invoke({ resource: 'agents', action: 'create', data: { name: 'Logged' } }, { headers: { 'X-Request-Id': 'log-1' } });
    expect(reply.status).toBe(201);
    expect(requests()).toHaveLength(1);
    const [line] = requests();
    expect(line).toMatchObject({
      level: 'info',
      method: 'POST',
      path: '/invoke',
      action: 'agents.create',
      status: 201,
      request_id: 'log-1',
      user_id: user.id,
    });
    expect(typeof line?.duration_ms).toBe('number');
  });

  it('never writes the Authorization value or the body, even for a refused credential', async () => {
    const { user, h, raw, requests } = await setup('debug');
    await user.invoke({ resource: 'agents', action: 'create', data: { name: 'secret-body-marker' } });
    await h.request('/invoke', { method: 'POST', headers: { Authorization: 'Bearer gp_not-a-real-key-marker' }, body: '{}' });
    expect(requests().map((l) => l.status)).toEqual([201, 401]);
    const all = raw.join('\n');
    expect(all).not.toContain(user.key);
    expect(all).not.toContain('not-a-real-key-marker');
    expect(all).not.toContain('secret-body-marker');
    expect(requests()[1]).not.toHaveProperty('user_id');
  });

  it('names a batch `batch`, an unknown action not at all, and logs non-API routes too', async () => {
    const { user, h, requests } = await setup();
    await user.invoke([{ resource: 'agents', action: 'list' }, { resource: 'goals', action: 'list' }]);
    await user.invoke({ resource: 'agents', action: 'nope' });
    await h.request('/health');
    expect(requests().map(({ action, status, path }) => ({ action, status, path }))).toEqual([
      { action: 'batch', status: 200, path: '/invoke' },
      { action: undefined, status: 400, path: '/invoke' },
      { action: undefined, status: 200, path: '/health' },
    ]);
  });

  it('writes no debug lines at info level', async () => {
    const { user, lines } = await setup('info');
    await user.invoke({ resource: 'agents', action: 'list' });
    expect(lines.filter((l) => l.level === 'debug')).toEqual([]);
  });
});

describe('debug lines', () => {
  it('time every SQL statement, without its bound values', async () => {
    const { user, lines } = await setup('debug');
    await user.invoke({ resource: 'agents', action: 'create', data: { name: 'bound-value-marker' } });
    const sql = lines.filter((l) => l.msg === 'sql');
    expect(sql.length).toBeGreaterThan(0);
    for (const line of sql) {
      expect(line).toMatchObject({ level: 'debug', sql: expect.any(String), duration_ms: expect.any(Number) });
    }
    expect(JSON.stringify(sql)).not.toContain('bound-value-marker');
  });

  it('report each LLM call with model, latency and tokens', async () => {
    const { user, lines } = await setup('debug');
    fake.enqueue(completion(draft));
    const reply = await user.invoke({ resource: 'goals', action: 'generate', data: { description: 'Book meetings.' } }, { headers: { 'X-Request-Id': 'llm-1' } });
    expect(reply.status).toBe(200);
    expect(lines.filter((l) => l.msg === 'llm call')).toEqual([
      expect.objectContaining({
        level: 'debug',
        request_id: 'llm-1',
        model: 'log-test-model',
        base_url: fake.url,
        latency_ms: expect.any(Number),
        attempts: 1,
        prompt_tokens: 100,
        completion_tokens: 50,
      }),
    ]);
  });
});

describe('a provider misconfiguration', () => {
  it('logs the base URL and model with the HTTP status, not the status alone', async () => {
    const { user, lines } = await setup('info');
    fake.enqueue(failure(404, {}, 'The model does not exist'));
    const reply = await user.invoke({ resource: 'goals', action: 'generate', data: { description: 'Book meetings.' } });
    expect(reply.status).toBe(502);
    expect(lines.filter((l) => l.level === 'warn')).toEqual([
      expect.objectContaining({ msg: 'generate: LLM call failed', detail: 'HTTP 404', base_url: fake.url, model: 'log-test-model' }),
    ]);
  });
});
