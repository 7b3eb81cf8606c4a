import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ERROR_CODE_LIST } from '../../src/rpc/errors.js';
import { actionNames } from '../../src/rpc/registry.js';

// Node only: it reads the repository's files. It keeps the closed code list, its documentation
// and the tests in step, so a new code cannot land untested or undocumented.
const root = new URL('../../', import.meta.url).pathname;
const self = relative(root, new URL(import.meta.url).pathname);

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [relative(root, path)] : [];
  });
}

describe('the error codes', () => {
  it('are each asserted by some test (the AI_* codes once goals.generate is registered)', () => {
    const sources = testFiles(join(root, 'tests'))
      .filter((file) => file !== self)
      .map((file) => readFileSync(join(root, file), 'utf8'));
    const generate = actionNames('goals').includes('generate');
    const required = ERROR_CODE_LIST.filter((code) => generate || !code.startsWith('AI_'));
    const untested = required.filter((code) => !sources.some((text) => text.includes(`'${code}'`)));
    expect(untested).toEqual([]);
  });

  it('are documented in the README with their HTTP status and retryable flag', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| ([A-Z_]+) \| (\d{3}) \| (yes|no) \|/gm)].map(([, code, status, retryable]) => [
      code,
      { status: Number(status), retryable: retryable === 'yes' },
    ]);
    expect(Object.fromEntries(rows)).toEqual(ERROR_CODES);
  });
});
