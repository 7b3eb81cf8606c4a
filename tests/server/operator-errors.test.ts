import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keyIn, startServer, tempDir } from '../support/server-process.js';

/** Runs src/server.ts to its exit, collecting what it printed. */
function runServer(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'info', DATABASE_PATH: join(tempDir(), 'g.db'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

describe('the server, started wrongly', () => {
  let holder: Server | undefined;
  afterAll(() => holder?.close());

  it('says in one line on stderr that the port is in use, exits 1 without a stack trace, and keeps the admin key for the next start', async () => {
    holder = createServer();
    const port = await new Promise<number>((resolve) =>
      holder?.listen(0, '127.0.0.1', () => {
        const address = holder?.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      }),
    );
    const database = join(tempDir(), 'g.db');
    const result = await runServer({ PORT: String(port), DATABASE_PATH: database });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`Port ${port} is in use on 127.0.0.1: set PORT to a free port, or stop the process that holds it.`);
    // The one-time admin key is kept for the start that succeeds.
    expect(result.stdout).not.toContain('gp_');
    holder?.close();
    const next = await startServer({ DATABASE_PATH: database });
    expect(keyIn(next.stdout())).toBeDefined();
    expect(await next.stop()).toBe(0);
  }, 60_000);

  it('says in one line which setting is invalid, and exits 1', async () => {
    const result = await runServer({ PORT: 'eighty' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('PORT');
  });
});
