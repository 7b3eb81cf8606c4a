import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { errorBodySchema } from '../src/rpc/catalog.js';
import type { ActionSpec } from '../src/rpc/define-action.js';
import { ERROR_CODE_LIST } from '../src/rpc/errors.js';
import { actions } from '../src/rpc/registry.js';
import { renderClientApi } from './client-api-types.js';

// `npm run pack:client` → dist-client/: src/client with types generated from the registry's zod schemas
// (not the catalog's published form, which adds alias keys the zod types lack), so it imports nothing.
// Staged outside the repo, where no node_modules can lend a missing import.
const CLIENT_PACKAGE = '@goalpost/client';

const root = new URL('../', import.meta.url).pathname;
const outDir = join(root, 'dist-client');
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

const stage = mkdtempSync(join(tmpdir(), 'goalpost-client-'));
const src = join(stage, 'src');
const pkg = join(stage, 'package');
try {
  mkdirSync(src);
  mkdirSync(pkg);
  const clientDir = join(root, 'src/client');
  for (const file of readdirSync(clientDir).filter((f) => f.endsWith('.ts') && f !== 'api.ts')) {
    copyFileSync(join(clientDir, file), join(src, file));
  }
  const source = {
    errorCodes: ERROR_CODE_LIST,
    errorBody: z.toJSONSchema(errorBodySchema, { io: 'output' }),
    actions: (actions as readonly ActionSpec[]).map((spec) => ({
      resource: spec.resource,
      action: spec.action,
      description: spec.description,
      id: spec.id,
      input: z.toJSONSchema(spec.input, { io: 'input' }),
      result: z.toJSONSchema(spec.result, { io: 'output' }),
    })),
  };
  writeFileSync(join(src, 'api.ts'), renderClientApi(source));

  // Declarations, checked as a frontend would compile them: DOM and ES2022 only, every check on.
  writeFileSync(
    join(stage, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2022', 'DOM'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noUncheckedIndexedAccess: true,
        noImplicitOverride: true,
        verbatimModuleSyntax: true,
        isolatedModules: true,
        skipLibCheck: false,
        types: [],
        declaration: true,
        emitDeclarationOnly: true,
        rootDir: 'src',
        outDir: 'package',
      },
      include: ['src'],
    }),
  );
  writeFileSync(join(stage, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  try {
    execFileSync(process.execPath, [tsc, '-p', join(stage, 'tsconfig.json')], { cwd: stage, encoding: 'utf8' });
  } catch (err) {
    const out = err as { stdout?: string; stderr?: string };
    throw new Error(`The client does not compile on its own (DOM + ES2022, no imports):\n${out.stdout ?? ''}${out.stderr ?? ''}`);
  }

  const bundled = await build({
    // Paths in the bundle's comments are relative to the stage: the same build gives the same file.
    absWorkingDir: stage,
    entryPoints: ['src/index.ts'],
    outfile: join(pkg, 'index.js'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(bundled.metafile.inputs).filter((i) => !/^src\/[a-z-]+\.ts$/.test(i));
  if (inputs.length > 0) throw new Error(`The client bundle pulled in files outside src/client: ${inputs.join(', ')}`);

  writeFileSync(
    join(pkg, 'package.json'),
    `${JSON.stringify(
      {
        name: CLIENT_PACKAGE,
        version,
        description: 'Typed client for the Goalpost API (POST /invoke): browsers, Node 20+, Workers. No dependencies.',
        type: 'module',
        sideEffects: false,
        exports: { '.': { types: './index.d.ts', default: './index.js' } },
        types: './index.d.ts',
        files: ['*.js', '*.d.ts', 'README.md'],
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(join(pkg, 'README.md'), packageReadme());

  mkdirSync(outDir, { recursive: true });
  const packed = execFileSync('npm', ['pack', '--json', '--pack-destination', outDir], { cwd: pkg, encoding: 'utf8' });
  const [{ filename }] = JSON.parse(packed) as [{ filename: string }];
  console.log(join(outDir, filename));
} finally {
  rmSync(stage, { recursive: true, force: true });
}

/** The root README's "Client package" section, so the tarball documents itself. */
function packageReadme(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = /^## Client package\n[\s\S]*?(?=^## )/m.exec(readme)?.[0] ?? '';
  return `# ${CLIENT_PACKAGE}\n\nThe typed client of Goalpost ${version}.\n${section.replace(/^## Client package\n/, '')}`.trimEnd() + '\n';
}
