import { beforeAll, describe, expect, it } from 'vitest';
import { SCOPES, type Scope } from '../../src/auth/scopes.js';
import { actions } from '../../src/rpc/registry.js';
import { createHarness, snapshot, type AnyBody } from '../support/harness.js';
import { actionKey, ghostFixture, makeFixture, samples, targetsRecords, type Fixture } from '../support/samples.js';

const h = await createHarness();

/** The scopes of a key that cannot do `scope` (nor the write scope that implies a read). */
const scopesWithout = (scope: Scope): Scope[] => {
  const [resource] = scope.split(':');
  return SCOPES.filter((s) => s !== scope && !(scope.endsWith(':read') && s === `${resource}:write`));
};

/** The error body with what legitimately differs per request taken out. */
const shape = (body: AnyBody, ids: string[]) => {
  let text = JSON.stringify({ ...body, error: { ...body.error, request_id: '<request>' } });
  for (const id of ids) text = text.replaceAll(id, '<id>');
  return JSON.parse(text) as unknown;
};

describe.each(actions.map((spec) => [actionKey(spec), spec] as const))('%s', (key, spec) => {
  let f: Fixture;
  beforeAll(async () => {
    f = await makeFixture(h);
  });

  it('returns 401 UNAUTHORIZED without credentials', async () => {
    const reply = await f.user.invoke(samples[key](f), { token: null });
    expect(reply.status).toBe(401);
    expect(reply.body.error?.code).toBe('UNAUTHORIZED');
    expect(reply.headers.get('www-authenticate')).toBe('Bearer');
  });

  it(`returns 403 FORBIDDEN for a key without ${spec.scope}`, async () => {
    const weak = await h.makeUser({ scopes: scopesWithout(spec.scope) });
    const before = await snapshot(h);
    const reply = await weak.invoke(samples[key](f));
    expect(reply.status).toBe(403);
    expect(reply.body.error).toMatchObject({ code: 'FORBIDDEN', retryable: false });
    expect(await snapshot(h)).toEqual(before);
  });

  it('returns 400 VALIDATION_ERROR naming an unknown data key', async () => {
    const envelope = samples[key](f);
    const before = await snapshot(h);
    const reply = await f.user.invoke({ ...envelope, data: { ...(envelope.data as object), surprise: 1 } });
    expect(reply.status).toBe(400);
    expect(reply.body.error?.code).toBe('VALIDATION_ERROR');
    expect(reply.body.error?.details).toContainEqual({ path: 'data.surprise', message: 'Unknown key.' });
    expect(await snapshot(h)).toEqual(before);
  });

  if (spec.id === 'required') {
    it('returns 400 VALIDATION_ERROR for a malformed id', async () => {
      const reply = await f.user.invoke({ ...samples[key](f), id: 'not-a-uuid' });
      expect(reply.status).toBe(400);
      expect(reply.body.error?.details).toEqual([{ path: 'id', message: 'Must be a valid UUID.' }]);
    });

    it('returns 400 VALIDATION_ERROR without an id', async () => {
      const { id: _omitted, ...envelope } = samples[key](f);
      const reply = await f.user.invoke(envelope);
      expect(reply.status).toBe(400);
      expect(reply.body.error?.details).toEqual([{ path: 'id', message: 'Required.' }]);
    });
  } else {
    it('returns 400 VALIDATION_ERROR when given an id it does not take', async () => {
      const reply = await f.user.invoke({ ...samples[key](f), id: crypto.randomUUID() });
      expect(reply.status).toBe(400);
      expect(reply.body.error?.details?.[0]?.path).toBe('id');
    });
  }

  if (targetsRecords(key)) {
    it("returns 404 NOT_FOUND for another owner's record, with the body of a missing one, and changes nothing", async () => {
      const intruder = await h.makeUser();
      const before = await snapshot(h);
      const foreign = await intruder.invoke(samples[key](f));

      const ghost = ghostFixture(f);
      const missing = await intruder.invoke(samples[key](ghost));

      expect(foreign.status).toBe(404);
      expect(missing.status).toBe(404);
      const realIds = [f.agentId, f.goalId, f.spareAgentId, f.outcomeId];
      const ghostIds = [ghost.agentId, ghost.goalId, ghost.spareAgentId, ghost.outcomeId];
      expect(shape(foreign.body, realIds)).toEqual(shape(missing.body, ghostIds));
      expect(await snapshot(h)).toEqual(before);
    });
  }
});

describe('the 401 body', () => {
  it('is identical for a missing, malformed, unknown and non-Bearer credential', async () => {
    const bodies = await Promise.all(
      [undefined, 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Bearer gp_short', `Bearer gp_${'A'.repeat(43)}`, 'Bearer a.b.c', 'Bearer x y'].map(
        async (authorization) => {
          const res = await h.request('/invoke', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', ...(authorization === undefined ? {} : { Authorization: authorization }) },
            body: JSON.stringify({ resource: 'goals', action: 'list' }),
          });
          expect(res.status).toBe(401);
          const body = (await res.json()) as AnyBody;
          return { ...body, error: { ...body.error, request_id: '' } };
        },
      ),
    );
    for (const body of bodies) expect(body).toEqual(bodies[0]);
    expect(bodies[0]).toEqual({
      success: false,
      error: { code: 'UNAUTHORIZED', message: 'Missing or invalid credentials.', retryable: false, request_id: '' },
    });
  });
});
