import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyBody } from '../support/harness.js';

// The operator's path end to end, with the real tools: `keys create --sql`, then
// `wrangler d1 execute --local --command`, then the Worker under `wrangler dev` (npm run dev:worker).
const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = (name: string) => join(root, 'node_modules', '.bin', name);
const offline = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };

const state = mkdtempSync(join(tmpdir(), 'goalpost-d1-'));
const databasePath = join(state, 'never-created.db');

interface SqlLine {
  user_id: string;
  key_id: string;
  key: string;
  sql: string;
}

async function keysCreateSql(...args: string[]): Promise<SqlLine> {
  const { stdout } = await run(bin('tsx'), ['src/cli.ts', 'keys', 'create', ...args, '--sql'], {
    cwd: root,
    env: { ...process.env, DATABASE_PATH: databasePath },
  });
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] ?? '') as SqlLine;
}

/** `wrangler d1 execute DB --local`, on this test's own local state; the rows of each statement. */
async function d1Execute(...args: string[]): Promise<unknown[][]> {
  const { stdout } = await run(bin('wrangler'), ['d1', 'execute', 'DB', '--local', '--persist-to', state, '--json', ...args], { cwd: root, env: offline });
  return (JSON.parse(stdout) as { results: unknown[] }[]).map((r) => r.results);
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });

let dev: ChildProcess | undefined;
let origin = '';
let first: SqlLine;
let second: SqlLine;

beforeAll(async () => {
  [first, second] = await Promise.all([
    keysCreateSql('--email', 'ops@example.com', '--name', "O'Brien; Ops"),
    keysCreateSql('--email', 'ops@example.com', '--scopes', 'agents:read'),
  ]);
}, 120_000);

afterAll(() => {
  // wrangler dev runs in its own process group (with workerd under it): stop that group only.
  if (dev?.pid) process.kill(-dev.pid, 'SIGTERM');
  rmSync(state, { recursive: true, force: true });
});

describe('keys create --sql', () => {
  it('prints one line { user_id, key_id, key, sql } and opens no database', () => {
    expect(first).toEqual({ user_id: expect.any(String), key_id: expect.any(String), key: expect.stringMatching(/^gp_[A-Za-z0-9_-]{43}$/), sql: expect.any(String) });
    expect(existsSync(databasePath)).toBe(false);
  });

  it('runs with wrangler d1 execute --command: creates the user, then adds a second key to that same user', async () => {
    // The README's order: the migrations first (as `npm run dev:worker` does), then the key.
    await run(bin('wrangler'), ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state], { cwd: root, env: { ...offline, CI: '1' } });
    const firstRows = await d1Execute('--command', first.sql);
    expect(firstRows.at(-1)).toEqual([{ user_id: first.user_id, key_id: first.key_id }]);

    const secondRows = await d1Execute('--command', second.sql);
    // The email exists now: the key joins the first user, as the closing SELECT reports.
    expect(secondRows.at(-1)).toEqual([{ user_id: first.user_id, key_id: second.key_id }]);
    const users = await d1Execute('--command', "SELECT id, email, name FROM users WHERE email = 'ops@example.com'");
    expect(users[0]).toEqual([{ id: first.user_id, email: 'ops@example.com', name: "O'Brien; Ops" }]);
  }, 120_000);

  it('gives keys that authenticate against the Worker under wrangler dev, with their scopes', async () => {
    const port = await freePort();
    dev = spawn(bin('wrangler'), ['dev', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', state, '--show-interactive-dev-session=false'], {
      cwd: root,
      env: offline,
      detached: true,
      stdio: 'ignore',
    });
    origin = `http://127.0.0.1:${port}`;
    for (;;) {
      const up = await fetch(`${origin}/health`).then((r) => r.ok, () => false);
      if (up) break;
      await new Promise((r) => setTimeout(r, 250));
    }

    const invoke = async (key: string, envelope: unknown) => {
      const res = await fetch(`${origin}/invoke`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(envelope),
      });
      return { status: res.status, body: (await res.json()) as AnyBody };
    };
    const created = await invoke(first.key, { resource: 'agents', action: 'create', data: { name: 'Front desk' } });
    expect(created.status).toBe(201);

    const listed = await invoke(second.key, { resource: 'agents', action: 'list' });
    expect(listed.status).toBe(200);
    expect(listed.body.data.items.map((a: { id: string }) => a.id)).toEqual([created.body.data.id]);
    expect((await invoke(second.key, { resource: 'agents', action: 'create', data: { name: 'No' } })).status).toBe(403);
    expect((await invoke(`gp_${'x'.repeat(43)}`, { resource: 'agents', action: 'list' })).status).toBe(401);
  }, 120_000);
});
