import { expect, it } from 'vitest';
import { readFrames } from '../events/sse-client.js';
import { createHarness } from '../support/harness.js';
import { D1_STATEMENTS_PATH } from '../support/worker-protocol.js';

// On the Worker a stream finds new events by polling D1 once a second: once its client has gone
// (the request's signal, compatibility flag enable_request_signal), it must stop.
const h = await createHarness();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function statements(): Promise<number> {
  return ((await (await h.request(D1_STATEMENTS_PATH)).json()) as { statements: number }).statements;
}

it('stops reading D1 once the client goes away', async () => {
  const user = await h.makeUser();
  const client = new AbortController();
  const res = await h.request('/events', { headers: { Authorization: `Bearer ${user.key}` }, signal: client.signal });
  expect(res.status).toBe(200);
  const reader = readFrames(res);
  expect(await reader.next()).toEqual({ retry: '2000', id: expect.stringMatching(/^\d+$/) });
  const open = await statements();
  await sleep(2_500);
  // While the client reads, the stream polls (so the measure is live) ...
  expect(await statements()).toBeGreaterThan(open);
  // As a closed tab does: the connection goes.
  client.abort();
  await sleep(1_500);
  const gone = await statements();
  await sleep(3_000);
  // ... and once it has gone, nothing reads D1 any more: not until the ping 15 s on, nor the stream's end.
  expect(await statements()).toBe(gone);
});
