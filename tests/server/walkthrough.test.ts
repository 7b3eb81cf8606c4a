import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invokeHttp, keyIn, startServer, tempDir, type ServerProcess } from '../support/server-process.js';

const run = promisify(execFile);

/** The first ```sh block after the "## Walkthrough" heading, exactly as a reader would paste it. */
function readmeWalkthrough(): string {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Walkthrough'));
  const match = /```sh\n([\s\S]*?)```/.exec(section);
  if (!match?.[1]) throw new Error('README has no walkthrough block');
  return match[1];
}

describe('the Node server on a new database file', () => {
  let server: ServerProcess;
  let key: string;
  const dir = tempDir();
  const dbPath = join(dir, 'nested', 'goalpost.db');

  beforeAll(async () => {
    server = await startServer({ DATABASE_PATH: dbPath });
    const printed = keyIn(server.stdout());
    if (!printed) throw new Error(`no bootstrap key printed:\n${server.stdout()}`);
    key = printed;
  });
  afterAll(async () => {
    await server.stop();
  });

  it('creates the database, prints an admin key once and answers /health', async () => {
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true, data: { status: 'ok' } });
    const agents = await invokeHttp(server.url, key, { resource: 'agents', action: 'list', admin: true });
    expect(agents.status).toBe(200);
  });

  it('runs the README walkthrough as pasted: the goal attached and listed, a weekly target, two outcomes and their progress', async () => {
    const script = readmeWalkthrough()
      .replace('export GOALPOST_KEY=gp_...', `export GOALPOST_KEY=${key}`)
      .replaceAll('http://127.0.0.1:8787', server.url);
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script]);
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as { success: boolean; data: any });
    expect(lines).toHaveLength(6);
    const [attach, list, targeted, won, lost, progress] = lines;
    expect(attach?.success).toBe(true);
    expect(attach?.data.replaced_goal_id).toBeNull();
    expect(list?.success).toBe(true);
    expect(list?.data.count).toBe(1);
    expect(list?.data.items[0]).toMatchObject({
      id: attach?.data.goal_id,
      agent_id: attach?.data.agent_id,
      name: 'Book qualified meeting',
      status: 'active',
      priority: 3,
    });
    expect(list?.data.items[0].fields.map((f: { key: string }) => f.key)).toEqual(['email', 'contact_time']);

    expect(targeted?.data).toMatchObject({ timezone: 'Europe/Paris', tags: ['sales'], targets: [{ period: 'week', target_count: 25, is_primary: true }] });
    expect(won?.data).toMatchObject({ conversation_id: 'call_8842', achieved: true, missing_required: [] });
    expect(lost?.data).toMatchObject({ conversation_id: 'call_8843', achieved: false, missing_required: ['email'] });
    expect(progress?.data).toMatchObject({ goal_id: attach?.data.goal_id, timezone: 'Europe/Paris' });
    expect(progress?.data.targets[0]).toMatchObject({ conversations: 2, achieved: 1, rate: 50 });
    expect(progress?.data.targets[0].history).toHaveLength(4);
  });

  it('keeps data across a restart and does not print a new admin key', async () => {
    const created = await invokeHttp(server.url, key, { resource: 'agents', action: 'create', data: { name: 'Durable' } });
    expect(created.status).toBe(201);
    expect(await server.stop('SIGTERM')).toBe(0);

    server = await startServer({ DATABASE_PATH: dbPath });
    expect(keyIn(server.stdout())).toBeUndefined();
    const fetched = await invokeHttp(server.url, key, { resource: 'agents', action: 'get', id: created.body.data.id });
    expect(fetched.body).toEqual({ success: true, data: created.body.data });
  });
});
