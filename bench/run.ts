/**
 * npm run bench [-- --rows 100000 --duration 5 --rounds 3 ...]
 *
 * Seeds a temporary SQLite file, starts the production build of Goalpost and the floor server
 * (bench/floor.ts) on it, and drives both with autocannon, ours and the floor alternating within
 * every round so that a busy machine slows both alike. Writes the report to bench/RESULTS.md.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import { summariseProfiles } from './profile.js';
import { renderReport, type Run, type SizeReport } from './report.js';
import { scenarios, type Scenario } from './scenarios.js';
import { seed, type Fixture } from './seed.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    users: { type: 'string', default: '1000' },
    agents: { type: 'string', default: '5000' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    only: { type: 'string' },
    out: { type: 'string', default: 'bench/RESULTS.md' },
    'no-build': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    reuse: { type: 'boolean', default: false },
  },
});

const num = (name: string, text: string | undefined): number => {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
};
const opts = {
  rows: (args.rows ?? '').split(',').map((r) => num('rows', r)),
  users: num('users', args.users),
  agents: num('agents', args.agents),
  duration: num('duration', args.duration),
  warmup: Number(args.warmup ?? '0'),
  rounds: num('rounds', args.rounds),
  connections: num('connections', args.connections),
  only: args.only?.split(','),
};

const root = new URL('..', import.meta.url).pathname;
const tmp = `${root}bench/.tmp`;
const profileDir = `${tmp}/profiles`;

type Who = 'ours' | 'floor';

interface Server {
  who: Who;
  url: string;
  child: ChildProcess;
  peakRss: number;
}

/** USER_HZ of /proc/<pid>/stat: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in bytes (Linux /proc), or 0 where that is not available. */
function rssOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) a process has used so far (Linux /proc), or NaN elsewhere. */
function cpuOf(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    // Fields after the command name: state is 3rd, utime and stime are the 14th and 15th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

async function start(who: Who, dbPath: string): Promise<Server> {
  const port = await freePort();
  const prof = args.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}/${who}`] : [];
  const entry = who === 'ours' ? ['dist/server.js'] : ['--import', 'tsx', 'bench/floor.ts'];
  const child = spawn(process.execPath, [...prof, ...entry], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_PATH: dbPath,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '0',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i += 1) {
    if (child.exitCode !== null) throw new Error(`${who} server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return { who, url, child, peakRss: 0 };
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${who} server did not start`);
}

async function stop(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await Promise.race([exited, sleep(15_000)]);
}

async function call(server: Server, token: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.url}/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const shapeOf = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(shapeOf);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shapeOf(v)]));
  }
  return typeof value;
};

/** Both servers must answer each scenario alike, or the comparison means nothing. */
async function checkEquivalent(ours: Server, floor: Server, list: Scenario[], fixture: Fixture): Promise<void> {
  // Reads first: a write on each side (different ids and times) would make the reads differ.
  const ordered = [...list.filter((s) => s.identical), ...list.filter((s) => !s.identical)];
  const show = (body: unknown) => JSON.stringify(body).slice(0, 400);
  for (const s of ordered) {
    const token = fixture.keys[s.key];
    const a = await call(ours, token, s.body(true));
    const b = await call(floor, token, s.body(true));
    if (a.status !== s.status || b.status !== s.status) {
      throw new Error(`${s.name}: expected ${s.status}, ours ${a.status} ${show(a.body)}, floor ${b.status} ${show(b.body)}`);
    }
    const same = s.identical ? isDeepStrictEqual(a.body, b.body) : isDeepStrictEqual(shapeOf(a.body), shapeOf(b.body));
    if (!same) throw new Error(`${s.name}: ours and the floor answer differently:\n${show(a.body)}\n${show(b.body)}`);
  }
}

async function load(server: Server, s: Scenario, token: string, seconds: number): Promise<Run> {
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssOf(server.child.pid));
  }, 200);
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const cpuBefore = cpuOf(server.child.pid);
  const result = await autocannon({
    url: server.url,
    connections: opts.connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/invoke',
        headers,
        body: JSON.stringify(s.body(true)),
        setupRequest: (req) => ({ ...req, body: JSON.stringify(s.body()) }),
      },
    ],
  });
  clearInterval(sampler);
  const cpu = cpuOf(server.child.pid) - cpuBefore;
  peak = Math.max(peak, rssOf(server.child.pid));
  server.peakRss = Math.max(server.peakRss, peak);
  const ok = result['2xx'];
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) {
    console.warn(`  ! ${server.who} ${s.name}: ${bad} failed requests ${JSON.stringify(result.statusCodeStats)}`);
  }
  const served = ok + result.non2xx;
  return { rps: ok / result.duration, p50: result.latency.p50, p99: result.latency.p99, failed: bad, rss: peak, cpuPerRequest: (cpu * 1e6) / served };
}

/** Seeds a fresh database, or with --reuse takes the one an earlier run kept (seeding 1M rows takes minutes). */
function seeded(seedPath: string, rows: number): Fixture {
  const fixturePath = seedPath.replace(/\.db$/, '.json');
  if (args.reuse && existsSync(seedPath) && existsSync(fixturePath)) {
    console.log(`\n== ${rows.toLocaleString('en')} goals: reusing ${seedPath}`);
    return JSON.parse(readFileSync(fixturePath, 'utf8')) as Fixture;
  }
  console.log(`\n== ${rows.toLocaleString('en')} goals: seeding ${seedPath}`);
  const fixture = seed({ path: seedPath, rows, users: opts.users, agents: opts.agents });
  console.log(`   seeded in ${fixture.seconds.toFixed(1)} s, ${(fixture.bytes / 2 ** 20).toFixed(0)} MiB`);
  writeFileSync(fixturePath, JSON.stringify(fixture));
  return fixture;
}

async function benchSize(rows: number): Promise<SizeReport> {
  mkdirSync(tmp, { recursive: true });
  const seedPath = `${tmp}/seed-${rows}-${opts.users}-${opts.agents}.db`;
  const fixture = seeded(seedPath, rows);

  // Each server gets its own copy, so neither pays for the other's writes (WAL checkpoints).
  const dbPath = `${tmp}/bench-${rows}-ours.db`;
  const floorPath = `${tmp}/bench-${rows}-floor.db`;
  copyFileSync(seedPath, dbPath);
  copyFileSync(seedPath, floorPath);

  const list = scenarios(fixture).filter((s) => !opts.only || opts.only.includes(s.name));
  const ours = await start('ours', dbPath);
  const floor = await start('floor', floorPath);
  const loadavg: number[] = [os.loadavg()[0] ?? 0];
  const runs: Record<string, Record<Who, Run[]>> = {};
  try {
    await checkEquivalent(ours, floor, list, fixture);
    const idle = { ours: rssOf(ours.child.pid), floor: rssOf(floor.child.pid) };
    if (opts.warmup > 0) {
      console.log(`   warm-up: ${opts.warmup} s per scenario and server`);
      for (const s of list) for (const server of [ours, floor]) await load(server, s, fixture.keys[s.key], opts.warmup);
    }
    for (let round = 1; round <= opts.rounds; round += 1) {
      for (const s of list) {
        // Alternate who goes first, so neither always inherits the other's aftermath.
        const order = round % 2 === 1 ? [ours, floor] : [floor, ours];
        for (const server of order) {
          const run = await load(server, s, fixture.keys[s.key], opts.duration);
          (runs[s.name] ??= { ours: [], floor: [] })[server.who].push(run);
          console.log(
            `   round ${round} ${s.name.padEnd(17)} ${server.who.padEnd(5)} ${run.rps.toFixed(0).padStart(6)} rps  p50 ${run.p50} ms  p99 ${run.p99} ms  cpu ${run.cpuPerRequest.toFixed(0)} µs/req`,
          );
        }
      }
      loadavg.push(os.loadavg()[0] ?? 0);
    }
    return {
      rows,
      fixture: { users: fixture.users, agents: fixture.agents, seconds: fixture.seconds, bytes: fixture.bytes },
      scenarios: list.map((s) => ({ name: s.name, what: s.what, runs: runs[s.name] ?? { ours: [], floor: [] } })),
      rss: { ours: ours.peakRss, floor: floor.peakRss },
      idleRss: idle,
      loadavg,
    };
  } finally {
    await stop(ours);
    await stop(floor);
    const keep = args.reuse ? [] : [seedPath, seedPath.replace(/\.db$/, '.json')];
    for (const path of [dbPath, floorPath]) for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
    for (const path of keep) rmSync(path, { force: true });
  }
}

async function main(): Promise<void> {
  if (!args['no-build']) {
    console.log('building (npm run build)…');
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  if (args.profile) rmSync(profileDir, { recursive: true, force: true });
  const startedAt = new Date();
  const sizes: SizeReport[] = [];
  for (const rows of opts.rows) sizes.push(await benchSize(rows));

  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const report = renderReport({
    command,
    startedAt,
    settings: { duration: opts.duration, warmup: opts.warmup, rounds: opts.rounds, connections: opts.connections },
    machine: {
      cores: os.cpus().length,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      memory: os.totalmem(),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
    },
    sizes,
  });
  writeFileSync(`${root}${args.out}`, report);
  writeFileSync(`${tmp}/last-run.json`, JSON.stringify({ command, sizes }, null, 2));
  console.log(`\n${report}\nwritten to ${args.out}`);
  if (args.profile) for (const who of ['ours', 'floor']) console.log(summariseProfiles(`${profileDir}/${who}`));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
