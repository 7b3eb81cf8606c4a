import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES, type Scope } from '../../src/auth/scopes.js';
import { actions } from '../../src/rpc/registry.js';
import type { Listening } from '../client/support.js';
import { createHarness, snapshot, type AnyBody } from '../support/harness.js';
import { actionKey, ghostFixture, makeFixture, samples, targetsRecords, type Fixture } from '../support/samples.js';
import { argumentsOf, connect, GENERATIONS, rawRequest, serveOverHttp, toolOf, type McpSession, type ToolAnswer } from './support.js';

// The shared cases of tests/rpc/cross-cutting.test.ts, for every registry action as an MCP tool.
const h = await createHarness();
let server: Listening;
beforeAll(async () => {
  server = await serveOverHttp(h);
});
afterAll(() => server.close());

/** The scopes of a key that cannot do `scope` (nor the write scope that implies a read). */
const scopesWithout = (scope: Scope): Scope[] => {
  const [resource] = scope.split(':');
  return SCOPES.filter((s) => s !== scope && !(scope.endsWith(':read') && s === `${resource}:write`));
};

/** The error object with what legitimately differs per request taken out. */
const shape = (answer: ToolAnswer, ids: string[]) => {
  let text = JSON.stringify({ ...answer.structuredContent, request_id: '<request>' });
  for (const id of ids) text = text.replaceAll(id, '<id>');
  return JSON.parse(text) as unknown;
};

describe.each(GENERATIONS)('on protocol %s', (generation) => {
  const sessions: McpSession[] = [];
  const open = async (token: string) => {
    const session = await connect(server.url, token, generation);
    sessions.push(session);
    return session;
  };
  afterAll(() => Promise.all(sessions.map((s) => s.close())));

  describe.each(actions.map((spec) => [actionKey(spec), spec] as const))('%s', (key, spec) => {
    let f: Fixture;
    let owner: McpSession;
    beforeAll(async () => {
      f = await makeFixture(h);
      owner = await open(f.user.key);
    });
    const call = (session: McpSession, envelope: Record<string, unknown>) => session.callTool(toolOf(envelope), argumentsOf(envelope));

    it('is refused with 401 UNAUTHORIZED and WWW-Authenticate without credentials', async () => {
      const envelope = samples[key](f);
      const { headers, body } = rawRequest(generation, 'tools/call', { name: toolOf(envelope), arguments: argumentsOf(envelope) });
      const res = await fetch(new URL('/mcp', server.url), { method: 'POST', headers, body });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(((await res.json()) as AnyBody).error?.code).toBe('UNAUTHORIZED');
    });

    it(`answers FORBIDDEN for a key without ${spec.scope}, hides the tool from it and changes nothing`, async () => {
      const weak = await open((await h.makeUser({ scopes: scopesWithout(spec.scope) })).key);
      const before = await snapshot(h);
      const answer = await call(weak, samples[key](f));
      expect(answer).toMatchObject({ isError: true, structuredContent: { code: 'FORBIDDEN', retryable: false } });
      expect((await weak.listTools()).map((t) => t.name)).not.toContain(toolOf(samples[key](f)));
      expect(await snapshot(h)).toEqual(before);
    });

    it('answers VALIDATION_ERROR naming an unknown argument and changes nothing', async () => {
      const before = await snapshot(h);
      const envelope = samples[key](f);
      const answer = await owner.callTool(toolOf(envelope), { ...argumentsOf(envelope), surprise: 1 });
      expect(answer).toMatchObject({ isError: true, structuredContent: { code: 'VALIDATION_ERROR' } });
      expect(answer.structuredContent?.details).toContainEqual({ path: 'surprise', message: 'Unknown key.' });
      expect(await snapshot(h)).toEqual(before);
    });

    if (targetsRecords(key)) {
      it("answers NOT_FOUND for another owner's record exactly like a missing one, and changes nothing", async () => {
        const intruder = await open((await h.makeUser()).key);
        const before = await snapshot(h);
        const foreign = await call(intruder, samples[key](f));
        const ghost = ghostFixture(f);
        const missing = await call(intruder, samples[key](ghost));

        expect(foreign).toMatchObject({ isError: true, structuredContent: { code: 'NOT_FOUND' } });
        expect(shape(foreign, [f.agentId, f.goalId, f.spareAgentId, f.outcomeId])).toEqual(
          shape(missing, [ghost.agentId, ghost.goalId, ghost.spareAgentId, ghost.outcomeId]),
        );
        expect(await snapshot(h)).toEqual(before);
      });
    }
  });
});
