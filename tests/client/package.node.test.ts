import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from '../support/harness.js';
import { serveHarness, type Listening } from './support.js';

// What a frontend gets: `npm run pack:client`'s tarball, installed offline into an empty project,
// type-checked with DOM types only and run against the real server.
const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const app = mkdtempSync(join(tmpdir(), 'goalpost-frontend-'));
const installed = join(app, 'node_modules/@goalpost/client');
let tarball = '';
let server: Listening;
let key = '';

type Failure = { stdout: string; stderr: string; code: number };
const typeCheck = (project: string): Promise<{ stdout: string; code: number }> =>
  run(process.execPath, [tsc, '-p', project], { cwd: app }).then(
    (r) => ({ stdout: r.stdout, code: 0 }),
    (err: Failure) => ({ stdout: err.stdout, code: err.code }),
  );

/** A frontend's tsconfig: DOM + ES2022, no @types at all, every strict check on. */
function frontendConfig(name: string, files: string[], moduleResolution: 'Bundler' | 'NodeNext'): string {
  const file = join(app, name);
  writeFileSync(
    file,
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        lib: ['dom', 'es2022'],
        module: moduleResolution === 'Bundler' ? 'ESNext' : 'NodeNext',
        moduleResolution,
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: [],
      },
      files,
    }),
  );
  return file;
}

beforeAll(async () => {
  const packed = await run(npm, ['run', '--silent', 'pack:client'], { cwd: root });
  tarball = packed.stdout.trim().split('\n').at(-1) ?? '';
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'frontend', type: 'module', private: true }));
  await run(npm, ['install', tarball, '--offline', '--no-audit', '--no-fund'], { cwd: app });
  const h = await createHarness();
  server = await serveHarness(h);
  key = (await h.makeUser()).key;
}, 240_000);

afterAll(async () => {
  await server.close();
  rmSync(app, { recursive: true, force: true });
});

describe('npm run pack:client', () => {
  it('packs @goalpost/client at the root version, and installing it installs nothing else', () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(tarball).toBe(join(root, `dist-client/goalpost-client-${version}.tgz`));
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ name: '@goalpost/client', version, type: 'module' });
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies', 'scripts']) expect(manifest[field]).toBeUndefined();
    expect(readdirSync(join(app, 'node_modules')).filter((d) => d !== '.package-lock.json')).toEqual(['@goalpost']);
    expect(readdirSync(join(app, 'node_modules/@goalpost'))).toEqual(['client']);
    const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
    expect(Object.keys(lock.packages)).toEqual(['', 'node_modules/@goalpost/client']);
  });

  it('ships one ES module that imports nothing, and declarations that import only each other', () => {
    const files = readdirSync(installed).sort();
    expect(files.filter((f) => f.endsWith('.js'))).toEqual(['index.js']);
    const code = readFileSync(join(installed, 'index.js'), 'utf8');
    expect(code).toMatch(/^export \{/m);
    expect(code).not.toMatch(/^\s*import[\s{*"']/m);
    expect(code).not.toMatch(/\bimport\s*\(|\brequire\s*\(|\bfrom\s*["']/);
    const declarations = files.filter((f) => f.endsWith('.d.ts'));
    expect(declarations).toContain('index.d.ts');
    for (const file of declarations) {
      const text = readFileSync(join(installed, file), 'utf8');
      expect(text, file).not.toMatch(/\/\/\/\s*<reference/);
      for (const [, specifier] of text.matchAll(/\bfrom\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]/g)) {
        expect(specifier, file).toMatch(/^\.\/[a-z-]+\.js$/);
      }
    }
  });

  it('type-checks a DOM-only frontend, README example included, and rejects its type errors', async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const example = /## Client package[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toContain("from '@goalpost/client'");
    writeFileSync(
      join(app, 'good.ts'),
      `${example ?? ''}
import type { ActionInput, ActionResult, Envelope, InvokeResult } from '@goalpost/client';
declare const auth: { currentJwt(): string };
declare const agentId: string;
declare const apiKey: string;
declare function showGoal(goal: { id: string; status: 'draft' | 'active' | 'paused' | 'archived' }): void;
declare function showFieldErrors(details: { path: string; message: string }[] | undefined): void;
declare function showOffline(message: string): void;

type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;
const yes = <T extends true>(): T | undefined => undefined;

export async function checks(): Promise<void> {
  const envelope: Envelope<'goals', 'update'> = { resource: 'goals', action: 'update', id: agentId, data: { status: 'paused' } };
  const updated: InvokeResult<ActionResult<'goals', 'update'>> = await ApiService.invoke(envelope);
  if (updated.success) {
    yes<Equal<typeof updated.data.status, 'draft' | 'active' | 'paused' | 'archived'>>();
    yes<Equal<typeof updated.data.priority, number | null>>();
    yes<Equal<(typeof updated.data.fields)[number]['options'], string[] | null>>();
  } else {
    yes<Equal<typeof updated.error.request_id, string>>();
  }
  yes<Equal<ActionInput<'goals', 'create'>['status'], 'draft' | 'active' | 'paused' | 'archived' | undefined>>();
  const page = await createClient({ baseUrl: '/api', token: apiKey }).invoke({ resource: 'agents', action: 'list' });
  if (page.success) yes<Equal<typeof page.data.next_cursor, string | null>>();
  const deleted = await ApiService.invoke({ resource: 'goals', action: 'delete', id: agentId });
  if (deleted.success) yes<Equal<typeof deleted.data, { id: string; deleted: true }>>();
  // DOM APIs a browser frontend uses with it: the key from sessionStorage, an AbortController.
  const browser = createClient({ baseUrl: location.origin, getToken: () => sessionStorage.getItem('goalpost-key') });
  const mine = await browser.invoke({ resource: 'goals', action: 'get', id: agentId });
  if (!mine.success && mine.error.code === 'VALIDATION_ERROR') showFieldErrors(mine.error.details);
  const signal: AbortSignal = new AbortController().signal;
  await ApiService.invoke({ resource: 'goals', action: 'list', data: { status: 'active' } }, { signal, timeoutMs: 5000 });
}
`,
    );
    // Each line is one mistake the types must catch; the test reads the error positions.
    const mistakes = [
      "await ApiService.invoke({ resource: 'goals', action: 'archive', id: agentId });",
      "await ApiService.invoke({ resource: 'users', action: 'list' });",
      "await ApiService.invoke({ resource: 'agents', action: 'create', data: { name: 'x', nmae: 'y' } });",
      "await ApiService.invoke({ resource: 'goals', action: 'create', data: { agent_id: agentId } });",
      "await ApiService.invoke({ resource: 'goals', action: 'get' });",
      "await ApiService.invoke({ resource: 'goals', action: 'list', id: agentId });",
      "await ApiService.invoke({ resource: 'goals', action: 'list', data: { status: 'done' } });",
      "const r = await ApiService.invoke({ resource: 'goals', action: 'get', id: agentId }); if (r.success) void r.data.title;",
      "createClient({ baseUrl: '/api' });",
    ];
    const header = "import { ApiService, createClient } from '@goalpost/client';\ndeclare const agentId: string;\nexport async function bad(): Promise<void> {\n";
    writeFileSync(join(app, 'bad.ts'), `${header}${mistakes.join('\n')}\n}\n`);

    for (const resolution of ['Bundler', 'NodeNext'] as const) {
      const good = await typeCheck(frontendConfig(`good-${resolution}.json`, ['good.ts'], resolution));
      expect(good, resolution).toEqual({ stdout: '', code: 0 });
    }
    const bad = await typeCheck(frontendConfig('bad.json', ['bad.ts'], 'Bundler'));
    expect(bad.code).not.toBe(0);
    const failing = new Set([...bad.stdout.matchAll(/^bad\.ts\((\d+),\d+\): error TS\d+/gm)].map((m) => Number(m[1])));
    const firstMistake = header.split('\n').length;
    expect([...failing].sort((a, b) => a - b), bad.stdout).toEqual(mistakes.map((_, i) => firstMistake + i));
  }, 240_000);

  it("declares exactly the registry's types: every action's id rule, input and result", async () => {
    // The repo's own client types read the zod schemas; the package's come from JSON Schema. Equal means
    // identical to the compiler, so a converter gap (a lost optional, a widened enum) fails here by name.
    writeFileSync(
      join(app, 'same.ts'),
      `import type { Api as Packaged } from '@goalpost/client';
import type { Api as Registry } from '${join(root, 'src/client/api.js')}';
type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;
type Keys<A, B, Where extends string> = Equal<keyof A, keyof B> extends true ? never : \`\${Where}: different keys\`;
// Inline, not an alias: the compiler then prints the mismatches by name.
declare const mismatches:
  | Keys<Registry, Packaged, 'resources'>
  | { [R in keyof Registry & keyof Packaged]:
      | Keys<Registry[R], Packaged[R], R & string>
      | { [A in keyof Registry[R] & keyof Packaged[R]]: {
          [P in 'id' | 'input' | 'result']: Equal<Registry[R][A][P & keyof Registry[R][A]], Packaged[R][A][P & keyof Packaged[R][A]]> extends true
            ? never
            : \`\${R & string}.\${A & string}.\${P}\`;
        }['id' | 'input' | 'result'] }[keyof Registry[R] & keyof Packaged[R]] }[keyof Registry & keyof Packaged];
export const none: never = mismatches;
`,
    );
    const config = join(app, 'same.json');
    writeFileSync(
      config,
      JSON.stringify({
        compilerOptions: { target: 'ES2022', lib: ['dom', 'es2022'], module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: [] },
        files: ['same.ts'],
      }),
    );
    expect(await typeCheck(config)).toEqual({ stdout: '', code: 0 });
  }, 240_000);

  it('runs installed in plain Node against the real server: a create, a batch and an error body', async () => {
    const script = `
      import { ApiService, createClient } from '@goalpost/client';
      ApiService.configure({ baseUrl: process.env.BASE_URL, token: process.env.KEY });
      const agent = await ApiService.invoke({ resource: 'agents', action: 'create', data: { name: 'From the package' } });
      const client = createClient({ baseUrl: process.env.BASE_URL, getToken: () => process.env.KEY, retry: false });
      const batch = await client.batch([{ resource: 'agents', action: 'get', id: agent.data.id }, { resource: 'goals', action: 'nope' }]);
      const invalid = await client.invoke({ resource: 'goals', action: 'create', data: { agent_id: agent.data.id } });
      console.log(JSON.stringify({ agent, batch, invalid }));
    `;
    writeFileSync(join(app, 'run.mjs'), script);
    const { stdout } = await run(process.execPath, [join(app, 'run.mjs')], { cwd: app, env: { ...process.env, BASE_URL: server.url, KEY: key } });
    const out = JSON.parse(stdout) as { agent: { data: { id: string } }; batch: unknown; invalid: unknown };
    expect(out.agent).toMatchObject({ success: true, data: { name: 'From the package' } });
    expect(out.batch).toMatchObject({
      success: true,
      data: [{ success: true, data: { id: out.agent.data.id } }, { success: false, error: { code: 'VALIDATION_ERROR' } }],
    });
    expect(out.invalid).toMatchObject({
      success: false,
      error: { code: 'VALIDATION_ERROR', retryable: false, details: [{ path: 'data.name' }], request_id: expect.any(String) },
    });
  });
});
