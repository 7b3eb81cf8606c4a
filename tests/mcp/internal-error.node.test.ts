import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/platform/logger.js';
import { createHarness, snapshot } from '../support/harness.js';
import { connect, serveOverHttp } from './support.js';

// Node only: the fault and the log capture are injected through the harness (wrapDb, deps.logger).
const DETAIL = 'SQLITE_IOERR: disk I/O error in /var/lib/goalpost/secret.db';

/** Makes the app's database throw on DELETE statements; every other query runs for real. */
const failingDeletes: KyselyPlugin = {
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (args.node.kind === 'DeleteQueryNode') throw new Error(DETAIL);
    return args.node;
  },
  transformResult: async (args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> => args.result,
};

const lines: Record<string, unknown>[] = [];
const logger = createLogger('debug', (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
const h = await createHarness({ deps: { logger }, wrapDb: (db) => ({ ...db, kysely: db.kysely.withPlugin(failingDeletes) }) });
const server = await serveOverHttp(h);
afterAll(() => server.close());

describe('an unexpected fault in a tool call', () => {
  it('is an INTERNAL_ERROR result with a generic message, logged once with its detail under the request id', async () => {
    const user = await h.makeUser();
    const goal = await h.makeGoal(user);
    const session = await connect(server.url, user.key, '2026-07-28');
    const before = await snapshot(h);
    const answer = await session.callTool('goals_delete', { id: goal.id });
    await session.close();

    expect(answer).toMatchObject({ isError: true, structuredContent: { code: 'INTERNAL_ERROR', message: 'An unexpected error occurred.', retryable: true } });
    expect(JSON.stringify(answer)).not.toMatch(/SQLITE|secret|disk/i);
    expect(await snapshot(h)).toEqual(before);
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ request_id: answer.structuredContent?.request_id });
    expect(JSON.stringify(errors[0])).toContain(DETAIL);
  });
});
