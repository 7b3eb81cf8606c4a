import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ServerProcess {
  url: string;
  /** Everything the process printed to stdout so far. */
  stdout(): string;
  child: ChildProcess;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export const tempDir = (prefix = 'goalpost-'): string => mkdtempSync(join(tmpdir(), prefix));

/** How to run the server: the source through tsx by default, or a built `dist/server.js` with its own cwd. */
export interface ServerEntry {
  args: string[];
  cwd?: string;
}

/** Runs the real server entry (src/server.ts through tsx) and waits for its "listening" log line. */
export async function startServer(env: Record<string, string>, entry: ServerEntry = { args: ['--import', 'tsx', 'src/server.ts'] }): Promise<ServerProcess> {
  const child = spawn(process.execPath, entry.args, {
    ...(entry.cwd ? { cwd: entry.cwd } : {}),
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', RATE_LIMIT_PER_MINUTE: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}\n${err}`)), 20_000);
    const check = () => {
      const match = /"msg":"listening","url":"([^"]+)"/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => reject(new Error(`server exited with ${code}:\n${out}\n${err}`)));
  });

  return {
    url,
    child,
    exited,
    stdout: () => out,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** POST /invoke over real HTTP. */
export async function invokeHttp(url: string, key: string, envelope: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/invoke`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(envelope),
  });
  return { status: res.status, body: await res.json() };
}

export const keyIn = (text: string): string | undefined => /\b(gp_[A-Za-z0-9_-]{43})\b/.exec(text)?.[1];

/** Two server processes on one new database file: the first start prints the admin key; stderr of both is kept. */
export interface ServerPair {
  a: ServerProcess;
  b: ServerProcess;
  key: string;
  /** The shared database file. */
  path: string;
  stderr(): string;
  stop(): Promise<void>;
}

export async function startServerPair(prefix: string): Promise<ServerPair> {
  const path = join(tempDir(prefix), 'shared.db');
  const a = await startServer({ DATABASE_PATH: path });
  const key = keyIn(a.stdout()) ?? '';
  const b = await startServer({ DATABASE_PATH: path });
  let errors = '';
  for (const p of [a, b]) p.child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  return { a, b, key, path, stderr: () => errors, stop: async () => void (await Promise.all([a.stop(), b.stop()])) };
}
