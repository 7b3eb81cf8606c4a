import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { WORKER_BUDGET_KIB as BUDGET_KIB } from './worker-budget.js';

// The Worker's bundle as `wrangler deploy` would upload it (nothing is uploaded), and its gzipped size.
const outdir = mkdtempSync(join(tmpdir(), 'goalpost-size-'));
try {
  const run = spawnSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', outdir], {
    encoding: 'utf8',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  });
  if (run.status !== 0) {
    console.error(run.stdout, run.stderr);
    process.exit(run.status ?? 1);
  }
  const files = readdirSync(outdir).filter((f) => f.endsWith('.js') || f.endsWith('.mjs'));
  const code = Buffer.concat(files.map((f) => readFileSync(join(outdir, f))));
  const kib = (n: number) => (n / 1024).toFixed(1);
  const gzipped = gzipSync(code, { level: 9 }).length;
  console.log(`Worker bundle (${files.join(', ')}): ${kib(code.length)} KiB, ${kib(gzipped)} KiB gzipped (budget ${BUDGET_KIB} KiB)`);
  if (gzipped > BUDGET_KIB * 1024) {
    console.error(`Over budget by ${kib(gzipped - BUDGET_KIB * 1024)} KiB.`);
    process.exit(1);
  }
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
