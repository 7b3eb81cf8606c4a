import { readFileSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { serveHarness } from '../client/support.js';
import { createHarness } from '../support/harness.js';

// Node only: the README's browser example, run as written (fetch and a reader; only the origin added).
const h = await createHarness({ deps: { events: { maxMs: 300 } } });
const server = await serveHarness(h);

/** Once stopped, the example's next fetch never answers, so its reconnect loop goes quiet. */
let stopped = false;
const fetchUntilStopped = (input: string, init: RequestInit) => (stopped ? new Promise<never>(() => undefined) : fetch(input, init));
afterAll(async () => {
  stopped = true;
  await server.close();
});

function readmeFollow(origin: string): (token: string, onEvent: (e: { id: string; type: string }) => void) => Promise<void> {
  const readme = readFileSync('README.md', 'utf8');
  const code = /```js\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('## Events')))?.[1];
  if (!code) throw new Error('README has no browser example under ## Events');
  expect(code.trim().split('\n').length).toBeLessThanOrEqual(15);
  const absolute = code.replace("fetch('/events'", `fetch('${origin}/events'`);
  return new Function('fetch', `${absolute}; return follow;`)(fetchUntilStopped) as never;
}

/** A new user followed by the README's example: the types of the events it has received. */
async function following(): Promise<{ user: Awaited<ReturnType<typeof h.makeUser>>; seen: string[] }> {
  const user = await h.makeUser();
  const seen: string[] = [];
  void readmeFollow(server.url)(user.key, (event) => seen.push(event.type));
  return { user, seen };
}

it("the README's browser example misses nothing written while it reconnects after a stream that brought no event", async () => {
  const { user, seen } = await following();
  // The first stream starts from now, brings nothing and ends at 300 ms; the reconnect comes 2 s later.
  await new Promise((resolve) => setTimeout(resolve, 600));
  await h.makeAgent(user);
  // Written in that gap: it arrives with the next stream, which resumes from where the first one started.
  await expect.poll(() => seen, { timeout: 5000 }).toEqual(['agent.created']);
});

it("the README's browser example receives events and resumes after the server ends a stream", async () => {
  const { user, seen } = await following();
  await new Promise((resolve) => setTimeout(resolve, 100));
  await h.makeAgent(user);
  // After the first stream's end (300 ms) and the 2 s reconnect: nothing lost, nothing twice.
  await new Promise((resolve) => setTimeout(resolve, 700));
  await h.makeGoal(user);
  await expect.poll(() => seen, { timeout: 5000 }).toEqual(['agent.created', 'agent.created', 'goal.created']);
  stopped = true;
  // Let the open stream reach its end, so closing the server cuts nothing.
  await new Promise((resolve) => setTimeout(resolve, 400));
});
