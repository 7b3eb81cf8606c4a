import { describe, expect, inject, it } from 'vitest';
import { WORKER_BUDGET_KIB } from '../../scripts/worker-budget.js';
import { TestClock } from '../support/clock.js';
import { createHarness, type AnyBody } from '../support/harness.js';
import { startWorker } from '../support/miniflare.js';

const list = { resource: 'agents', action: 'list' };

describe('src/worker.ts', () => {
  it('builds the app once per isolate: the rate limiter counts across requests', async () => {
    const h = await createHarness({ env: { RATE_LIMIT_PER_MINUTE: '2' } });
    const user = await h.makeUser();
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await user.invoke(list)).status);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('takes its settings from the bindings (CORS_ORIGINS)', async () => {
    const h = await createHarness({ env: { CORS_ORIGINS: 'https://app.example.com' } });
    const res = await h.request('/invoke', {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  });

  it('answers /health from D1', async () => {
    const h = await createHarness();
    const res = await h.request('/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true, data: { status: 'ok' } });
  });

  it("answers 500 INTERNAL_ERROR in the contract's shape, without the reason, when a var is invalid", async () => {
    const worker = await startWorker({ bindings: { RATE_LIMIT_PER_MINUTE: 'lots', LOG_LEVEL: 'silent' }, clock: new TestClock() });
    const res = await worker.request('/invoke', { method: 'POST', body: JSON.stringify(list) });
    const body = (await res.json()) as AnyBody;
    expect(res.status).toBe(500);
    expect(body).toEqual({
      success: false,
      error: { code: 'INTERNAL_ERROR', message: 'An unexpected error occurred.', retryable: true, request_id: res.headers.get('x-request-id') },
    });
  });
});

describe('the Worker bundle', () => {
  const { inputs, deployGzipBytes } = inject('workerBundle');

  it(`stays within the ${WORKER_BUDGET_KIB} KiB gzipped budget (README, "Bundle size")`, () => {
    expect(deployGzipBytes).toBeGreaterThan(0);
    expect(deployGzipBytes / 1024).toBeLessThanOrEqual(WORKER_BUDGET_KIB);
  });

  it("leaves out the OpenAI SDK's zod helper: its zod v3 converter cost about 20 KiB gzipped", () => {
    expect(inputs.some((f) => f.includes('node_modules/openai/'))).toBe(true);
    expect(inputs.filter((f) => /openai\/(helpers\/zod|_vendor\/zod-to-json-schema|lib\/transform)|zod\/v3\//.test(f))).toEqual([]);
  });

  it('contains the Worker entry and the D1 dialect', () => {
    expect(inputs).toEqual(expect.arrayContaining(['src/worker.ts', 'src/db/d1.ts', 'src/app.ts']));
  });

  it('contains nothing Node-only: no node:*, better-sqlite3, SQLite dialect, server or CLI', () => {
    const nodeOnly = inputs.filter((f) => /^node:|better-sqlite3|@hono\/node-server|^src\/(server|cli)\.ts$|^src\/db\/sqlite\.ts$/.test(f));
    expect(nodeOnly).toEqual([]);
  });
});
