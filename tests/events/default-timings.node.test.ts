import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEdge } from '../../src/http/edge.js';
import { createHarness } from '../support/harness.js';

// Node only: the stream's timers are faked, and the edge is built in-process.
// The app as src/server.ts builds it: no stream timings injected (deps.events), so the defaults apply.
const h = await createHarness();

const PING_MS = 15_000;
const MAX_MS = 5 * 60_000;

/** Lets the stream's closing run its course without moving the fake clock (setImmediate is not faked). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

afterEach(() => {
  vi.useRealTimers();
});

describe('GET /events default timings (DESIGN section 7: a ping every 15 s, an end within 5 minutes)', () => {
  it('are what an edge built without injected timings uses', () => {
    const { streamTimings } = createEdge({ db: h.db, config: h.config });

    expect(streamTimings.pingMs).toBe(PING_MS);
    expect(streamTimings.maxMs).toBeLessThanOrEqual(MAX_MS);
    // A stream lives long enough to send pings at all.
    expect(streamTimings.maxMs).toBeGreaterThan(streamTimings.pingMs);
  });

  it('send `: ping` 15 s apart and end the stream by 5 minutes', async () => {
    const user = await h.makeUser();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const opened = Date.now();

    const res = await h.request('/events', { headers: { Authorization: `Bearer ${user.key}` } });
    expect(res.status).toBe(200);
    if (!res.body) throw new Error('no body');
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    let ended = false;
    const pings: number[] = [];
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
        for (let i = (value.match(/^: ping$/gm) ?? []).length; i > 0; i -= 1) pings.push(Date.now() - opened);
      }
      ended = true;
    })();

    await vi.advanceTimersByTimeAsync(PING_MS - 1_000);
    const first = /^retry: 2000\nid: \d+\n\n/.exec(text)?.[0];
    expect(text).toBe(first);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(text).toBe(`${first}: ping\n\n`);
    await vi.advanceTimersByTimeAsync(MAX_MS - PING_MS - 2_000);
    await settle();
    expect(ended).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    await settle();

    expect(ended).toBe(true);
    expect(Date.now() - opened).toBe(MAX_MS);
    await reading;
    // A ping every 15 s for the whole stream (the one due at its very end may or may not go out first).
    expect(pings.length).toBeGreaterThanOrEqual(MAX_MS / PING_MS - 1);
    pings.forEach((at, i) => expect(at).toBe((i + 1) * PING_MS));
  });
});
