import { afterEach, describe, expect, it } from 'vitest';
import { expectError } from '../support/expect.js';
import { createHarness, type TestUser } from '../support/harness.js';
import { eventsOf, readFrames, type FrameReader } from './sse-client.js';
import { feed } from './support.js';

// The same file runs on Node (SQLite, woken in process) and on the Worker (D1, polled).
const h = await createHarness();
const open: FrameReader[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.cancel()));
});

async function stream(user: TestUser, query = '', headers: Record<string, string> = {}): Promise<FrameReader> {
  const res = await h.request(`/events${query}`, { headers: { Authorization: `Bearer ${user.key}`, ...headers } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = readFrames(res);
  open.push(reader);
  // Every stream starts by telling the browser how soon to reconnect.
  expect(await reader.next()).toEqual({ retry: '2000', id: expect.stringMatching(/^\d+$/) });
  return reader;
}

async function refused(path: string, headers: Record<string, string>) {
  const res = await h.request(path, { headers });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

describe('GET /events', () => {
  it('returns 401 UNAUTHORIZED without a Bearer credential, and for a token in the URL even beside a valid header', async () => {
    const user = await h.makeUser();
    expectError(await refused('/events', {}), 401, 'UNAUTHORIZED');
    expectError(await refused(`/events?token=${user.key}`, {}), 401, 'UNAUTHORIZED');
    expectError(await refused(`/events?access_token=${user.key}`, { Authorization: `Bearer ${user.key}` }), 401, 'UNAUTHORIZED');
  });

  it('returns 403 without the events:read scope, 403 for admin=true without the admin role, and 400 for a bad filter, as JSON', async () => {
    const reader = await h.makeUser({ scopes: ['goals:read'] });
    const user = await h.makeUser();
    const auth = (u: TestUser) => ({ Authorization: `Bearer ${u.key}` });
    expectError(await refused('/events', auth(reader)), 403, 'FORBIDDEN');
    expectError(await refused('/events?admin=true', auth(user)), 403, 'FORBIDDEN');
    const bad = expectError(await refused('/events?types=goal.created,goal.exploded', auth(user)), 400, 'VALIDATION_ERROR');
    expect(bad.details?.[0]?.path).toMatch(/^data\.types/);
    expectError(await refused('/events?goal_id=nope', auth(user)), 400, 'VALIDATION_ERROR');
    expectError(await refused('/events?colour=red', auth(user)), 400, 'VALIDATION_ERROR');
  });

  it('starts from now, then sends each new event as id, event and data frames equal to the events.list item', async () => {
    const user = await h.makeUser();
    await h.makeAgent(user, { name: 'Before the stream' });
    const reader = await stream(user);
    const agent = await h.makeAgent(user, { name: 'During the stream' });
    const [frame] = eventsOf(await reader.until((f) => f.event !== undefined));
    const [listed] = (await feed(user, { types: ['agent.created'], agentId: agent.id })).items;
    expect(frame).toEqual({ id: listed?.id, event: 'agent.created', data: JSON.stringify(listed) });
  });

  it('resumes after Last-Event-ID (or after=): every later event first, then live ones, with no gap and no duplicate', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const goal = await h.makeGoal(user, { agent_id: agent.id });
    await h.ok(user, { resource: 'goals', action: 'attach', data: { goalId: goal.id, agentId: agent.id } });
    const all = (await feed(user)).items;
    const [first, ...later] = all;

    const resumes: { query: string; headers: Record<string, string> }[] = [
      { query: '', headers: { 'Last-Event-ID': first?.id ?? '' } },
      { query: `?after=${first?.id}`, headers: {} },
    ];
    for (const resume of resumes) {
      const reader = await stream(user, resume.query, resume.headers);
      const replayed = eventsOf(await reader.until((f) => f.id === later.at(-1)?.id));
      expect(replayed.map((f) => f.id)).toEqual(later.map((e) => e.id));
      await h.ok(user, { resource: 'agents', action: 'update', id: agent.id, data: { name: `Live ${resume.query}` } });
      const [live] = eventsOf(await reader.until((f) => f.event !== undefined));
      expect(live?.event).toBe('agent.updated');
      expect(Number(live?.id)).toBeGreaterThan(Number(later.at(-1)?.id));
      await reader.cancel();
    }
  });

  it("applies the filters, and never sends another owner's events", async () => {
    const user = await h.makeUser();
    const stranger = await h.makeUser();
    const agent = await h.makeAgent(user);
    const start = (await feed(user)).next_after ?? '0';
    const reader = await stream(user, `?types=goal.created,goal.deleted&agent_id=${agent.id}&after=${start}`);
    await h.makeGoal(stranger);
    await h.makeGoal(user); // another agent of the user
    const goal = await h.makeGoal(user, { agent_id: agent.id });
    await h.ok(user, { resource: 'goals', action: 'delete', id: goal.id });
    const frames = eventsOf(await reader.until((f) => f.event === 'goal.deleted'));
    expect(frames.map((f) => [f.event, JSON.parse(f.data ?? '{}').goal_id])).toEqual([
      ['goal.created', goal.id],
      ['goal.deleted', goal.id],
    ]);
  });
});
