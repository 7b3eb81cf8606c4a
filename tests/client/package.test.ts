import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from '../support/harness.js';
import { serveHarness, type Listening } from './support.js';

// What a frontend gets: the package as `npm pack` ships it (built by the project's own build config),
// installed in a separate project, imported as `goalpost/client`.
const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

const app = mkdtempSync(join(tmpdir(), 'goalpost-consumer-'));
const installed = join(app, 'node_modules/goalpost');
let server: Listening;
let key = '';

beforeAll(async () => {
  mkdirSync(installed, { recursive: true });
  for (const file of ['package.json', 'schema.sql']) cpSync(join(root, file), join(installed, file));
  await run(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', join(installed, 'dist')]);
  const h = await createHarness();
  server = await serveHarness(h);
  const user = await h.makeUser();
  key = user.key;
}, 180_000);

afterAll(async () => {
  await server.close();
  rmSync(app, { recursive: true, force: true });
});

describe('goalpost/client as a built package', () => {
  it('imports only its own files at run time: no server code, no node:*, no dependency', () => {
    const dir = join(installed, 'dist/client');
    const specifiers = readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .flatMap((f) => [...readFileSync(join(dir, f), 'utf8').matchAll(/^\s*(?:import|export)[^'"]*from\s*['"]([^'"]+)['"]/gm)])
      .map((m) => m[1]);
    expect(specifiers.length).toBeGreaterThan(0);
    for (const s of specifiers) expect(s).toMatch(/^\.\/[a-z-]+\.js$/);
  });

  it('runs from the built files in plain Node, with no dependency installed, against the real server', async () => {
    // Run before any dependency is linked into the consumer: a runtime import of one would fail here.
    const script = `
      import { ApiService, createClient } from 'goalpost/client';
      ApiService.configure({ baseUrl: process.env.BASE_URL, token: process.env.KEY });
      const agent = await ApiService.invoke({ resource: 'agents', action: 'create', data: { name: 'From the package' } });
      const batch = await createClient({ baseUrl: process.env.BASE_URL, getToken: () => process.env.KEY })
        .batch([{ resource: 'agents', action: 'get', id: agent.data.id }, { resource: 'goals', action: 'nope' }]);
      console.log(JSON.stringify({ agent, batch }));
    `;
    writeFileSync(join(app, 'run.mjs'), script);
    const { stdout } = await run(process.execPath, [join(app, 'run.mjs')], {
      cwd: app,
      env: { ...process.env, BASE_URL: server.url, KEY: key },
    });
    const out = JSON.parse(stdout) as { agent: { success: boolean; data: { id: string } }; batch: { success: boolean; data: { success: boolean }[] } };
    expect(out.agent).toMatchObject({ success: true, data: { name: 'From the package' } });
    expect(out.batch).toMatchObject({ success: true, data: [{ success: true, data: { id: out.agent.data.id } }, { success: false }] });
  });

  it('type-checks a frontend that uses it, the README example included, with inference intact', async () => {
    // A real install brings the package's dependencies: its declarations refer to zod's types.
    for (const dep of Object.keys(pkg.dependencies)) {
      const target = join(app, 'node_modules', dep);
      mkdirSync(join(target, '..'), { recursive: true });
      symlinkSync(join(root, 'node_modules', dep), target, 'dir');
    }
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const example = /## Client[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toContain("from 'goalpost/client'");
    const consumer = `${example ?? ''}
declare const auth: { currentJwt(): string };
declare const agentId: string;
declare const apiKey: string;
declare function showGoal(goal: { id: string; status: 'draft' | 'active' | 'paused' | 'archived' }): void;
declare function showFieldErrors(details: { path: string; message: string }[] | undefined): void;

export async function checks(): Promise<void> {
  const res = await api.invoke({ resource: 'goals', action: 'get', id: agentId });
  if (res.success) {
    const status: 'draft' | 'active' | 'paused' | 'archived' = res.data.status;
    // @ts-expect-error a goal has no \`title\`
    void res.data.title;
    void status;
  }
  // @ts-expect-error an unknown data key
  await ApiService.invoke({ resource: 'agents', action: 'create', data: { name: 'x', nmae: 'y' } });
  // @ts-expect-error an unknown action
  await ApiService.invoke({ resource: 'goals', action: 'archive', id: agentId });
}
`;
    writeFileSync(join(app, 'consumer.ts'), consumer);
    for (const moduleResolution of ['Bundler', 'NodeNext']) {
      writeFileSync(
        join(app, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            lib: ['ES2022', 'DOM'],
            module: moduleResolution === 'Bundler' ? 'ESNext' : 'NodeNext',
            moduleResolution,
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            types: [],
          },
          files: ['consumer.ts'],
        }),
      );
      writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'frontend', type: 'module', private: true }));
      const result = await run(process.execPath, [tsc, '-p', join(app, 'tsconfig.json')]).catch((err: { stdout: string }) => err);
      expect(result.stdout, moduleResolution).toBe('');
    }
  }, 120_000);
});
