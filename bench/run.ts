/**
 * npm run bench [-- --rows 100000 --outcomes 1000 --duration 5 --rounds 3 ...]
 *
 * Seeds a temporary SQLite file, starts the production build of Goalpost and the floor server
 * (bench/floor.ts) on it, and drives both with autocannon, ours and the floor alternating within
 * every round so that a busy machine slows both alike. Writes the report to bench/RESULTS.md.
 * Scenarios that write events are also compared with ours on a copy that stores no events, and
 * with --vs-release-1 the requests release 1 answered are also sent to its build and its own floor (bench/.tmp).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import BetterSqlite3 from 'better-sqlite3';
import { summariseProfiles } from './profile.js';
import { renderReport, sizeName, type Run, type Size, type SizeReport } from './report.js';
import { scenarios, type Baseline, type Scenario } from './scenarios.js';
import { seed, type Fixture } from './seed.js';

const { values: given } = parseArgs({
  options: {
    rows: { type: 'string' },
    outcomes: { type: 'string' },
    users: { type: 'string' },
    agents: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    rounds: { type: 'string' },
    connections: { type: 'string' },
    only: { type: 'string' },
    out: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    reuse: { type: 'boolean', default: false },
    'vs-release-1': { type: 'boolean', default: false },
  },
});

type Preset = Record<'rows' | 'outcomes' | 'users' | 'agents' | 'duration' | 'warmup' | 'rounds' | 'connections' | 'out', string> & { only?: string };
const DEFAULTS: Preset = {
  rows: '100000',
  outcomes: '1000',
  users: '1000',
  agents: '5000',
  duration: '5',
  warmup: '2',
  rounds: '3',
  connections: '32',
  out: 'bench/RESULTS.md',
};
/** --quick: the outcome scenarios at 1,000 and 1,000,000 outcomes in a minute or three once seeded (seeds are kept). */
const QUICK: Preset = {
  ...DEFAULTS,
  rows: '10000',
  outcomes: '1000,1000000',
  only: 'record,progress,outcomes-list',
  duration: '3',
  warmup: '1',
  rounds: '2',
  // Enough to keep two cores busy; fewer requests queue behind a slow one (an outcomes count at 1M).
  connections: '8',
  out: 'bench/.tmp/RESULTS-quick.md',
};
// Options given on the command line win over the preset.
const arg = (name: keyof Preset): string | undefined => given[name] ?? (given.quick ? QUICK : DEFAULTS)[name];

const num = (name: string, text: string | undefined): number => {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
};
const list = (name: 'rows' | 'outcomes') => (arg(name) ?? '').split(',').map((n) => num(name, n));
const opts = {
  rows: list('rows'),
  outcomes: list('outcomes'),
  users: num('users', arg('users')),
  agents: num('agents', arg('agents')),
  duration: num('duration', arg('duration')),
  warmup: Number(arg('warmup') ?? '0'),
  rounds: num('rounds', arg('rounds')),
  connections: num('connections', arg('connections')),
  only: arg('only')?.split(','),
  out: arg('out') ?? DEFAULTS.out,
  reuse: given.reuse || given.quick,
  profile: given.profile,
  vsRelease1: given['vs-release-1'],
};

const root = new URL('..', import.meta.url).pathname;
const tmp = `${root}bench/.tmp`;
const profileDir = `${tmp}/profiles`;

type Who = 'ours' | Baseline;

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

/** The last commit of release 1 (its bench report is 72e152f): the baseline of --vs-release-1. */
const RELEASE_1 = '7e67991';
const release1Dir = `${tmp}/release-1-${RELEASE_1}`;

/** Release 1's source from git, built once into bench/.tmp with this checkout's node_modules (its versions are the same). */
function buildRelease1(): void {
  if (existsSync(`${release1Dir}/dist/server.js`)) return;
  rmSync(release1Dir, { recursive: true, force: true });
  mkdirSync(release1Dir, { recursive: true });
  const steps: [string, string[], string][] = [
    ['sh', ['-c', `git -C "${root}" archive ${RELEASE_1} | tar -x -C "${release1Dir}"`], root],
    [`${root}node_modules/.bin/tsc`, ['-p', 'tsconfig.build.json'], release1Dir],
  ];
  symlinkSync(`${root}node_modules`, `${release1Dir}/node_modules`);
  for (const [command, args, cwd] of steps) {
    const done = spawnSync(command, args, { cwd, stdio: 'inherit' });
    if (done.status !== 0) throw new Error(`building release 1 (${RELEASE_1}) failed at: ${command} ${args.join(' ')}`);
  }
}

/**
 * Release 1 knew no all-scopes key: a key made without --scopes held its four scopes, which is
 * what migration 0002 turned into ["*"]. Its copy of the database gets them back.
 */
function asRelease1Keys(dbPath: string): void {
  const db = new BetterSqlite3(dbPath);
  try {
    db.prepare(`UPDATE api_keys SET scopes = ? WHERE scopes = '["*"]'`).run(JSON.stringify(['goals:read', 'goals:write', 'agents:read', 'agents:write']));
  } finally {
    db.close();
  }
}

const ENTRY: Record<Who, string[]> = {
  ours: ['dist/server.js'],
  'no-events': ['dist/server.js'],
  floor: ['--import', 'tsx', 'bench/floor.ts'],
  'release-1': [`${release1Dir}/dist/server.js`],
  'release-1-floor': ['--import', 'tsx', `${release1Dir}/bench/floor.ts`],
};

async function start(who: Who, dbPath: string): Promise<Server> {
  const port = await freePort();
  const prof = opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}/${who}`] : [];
  const entry = ENTRY[who];
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

/** Release 1's build and its own floor, both on a copy of the data with release 1's keys. */
const RELEASE_1_SIDE = ['release-1', 'release-1-floor'] as const satisfies readonly Baseline[];
const onRelease1Side = (who: Who) => (RELEASE_1_SIDE as readonly Who[]).includes(who);
const baselinesOf = (s: Scenario): Baseline[] => [...(s.against ?? ['floor']), ...(opts.vsRelease1 && s.release1 ? RELEASE_1_SIDE : [])];

/** Ours' body cut down to the keys of the other's: release 1 answers without the fields added since. */
const projectOnto = (ours: unknown, other: unknown): unknown => {
  if (Array.isArray(ours) && Array.isArray(other)) return ours.map((item, i) => projectOnto(item, other[i]));
  if (ours && other && typeof ours === 'object' && typeof other === 'object') {
    return Object.fromEntries(Object.keys(other).map((k) => [k, projectOnto((ours as Record<string, unknown>)[k], (other as Record<string, unknown>)[k])]));
  }
  return ours;
};

/** Ours and each baseline must answer each scenario alike, or the comparison means nothing. */
async function checkEquivalent(servers: Map<Who, Server>, list: Scenario[], fixture: Fixture): Promise<void> {
  // Reads first: a write on each side (different ids and times) would make the reads differ.
  const ordered = [...list.filter((s) => s.identical), ...list.filter((s) => !s.identical)];
  const show = (body: unknown) => JSON.stringify(body).slice(0, 400);
  for (const s of ordered) {
    const token = fixture.keys[s.key];
    const ours = await call(serverOf(servers, 'ours'), token, s.body(true));
    if (ours.status !== s.status) throw new Error(`${s.name}: expected ${s.status}, ours ${ours.status} ${show(ours.body)}`);
    for (const who of baselinesOf(s)) {
      const other = await call(serverOf(servers, who), token, s.body(true));
      if (other.status !== s.status) throw new Error(`${s.name}: expected ${s.status}, ${who} ${other.status} ${show(other.body)}`);
      const mine = onRelease1Side(who) ? projectOnto(ours.body, other.body) : ours.body;
      const same = s.identical ? isDeepStrictEqual(mine, other.body) : isDeepStrictEqual(shapeOf(mine), shapeOf(other.body));
      if (!same) throw new Error(`${s.name}: ours and ${who} answer differently:\n${show(ours.body)}\n${show(other.body)}`);
    }
  }
}

function serverOf(servers: Map<Who, Server>, who: Who): Server {
  const server = servers.get(who);
  if (!server) throw new Error(`no ${who} server`);
  return server;
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
    // A slow scenario queues up to `connections` requests: waiting beats resending them.
    timeout: 60,
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
  // The server still runs what was in flight when autocannon stopped: that work is this run's, not the next one's.
  await fetch(`${server.url}/health`);
  clearInterval(sampler);
  const cpu = cpuOf(server.child.pid) - cpuBefore;
  peak = Math.max(peak, rssOf(server.child.pid));
  server.peakRss = Math.max(server.peakRss, peak);
  const ok = result['2xx'];
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) {
    console.warn(`  ! ${server.who} ${s.name}: ${bad} failed requests ${JSON.stringify(result.statusCodeStats)}`);
  }
  // Every request sent was served, in the run or just after it, so the CPU measured is theirs.
  const served = result.requests.sent;
  return { rps: ok / result.duration, p50: result.latency.p50, p99: result.latency.p99, failed: bad, rss: peak, cpuPerRequest: (cpu * 1e6) / served };
}

/** Seeds a fresh database, or with --reuse takes the one an earlier run kept (seeding 1M rows takes minutes). */
function seeded(seedPath: string, size: Size): Fixture {
  const fixturePath = seedPath.replace(/\.db$/, '.json');
  if (opts.reuse && existsSync(seedPath) && existsSync(fixturePath)) {
    console.log(`\n== ${sizeName(size)}: reusing ${seedPath}`);
    return JSON.parse(readFileSync(fixturePath, 'utf8')) as Fixture;
  }
  console.log(`\n== ${sizeName(size)}: seeding ${seedPath}`);
  const fixture = seed({ path: seedPath, ...size, users: opts.users, agents: opts.agents });
  console.log(`   seeded in ${fixture.seconds.toFixed(1)} s, ${(fixture.bytes / 2 ** 20).toFixed(0)} MiB`);
  writeFileSync(fixturePath, JSON.stringify(fixture));
  return fixture;
}

/**
 * A copy of the database on which the server writes no event rows: a trigger drops each one as it is
 * inserted (RAISE(IGNORE) skips the row and goes on). The same build runs the same statements, so
 * what differs is the cost of storing the events: the row, its indexes and its pages in the WAL.
 */
function dropEvents(dbPath: string): void {
  const db = new BetterSqlite3(dbPath);
  try {
    db.exec('CREATE TRIGGER bench_no_events BEFORE INSERT ON events BEGIN SELECT RAISE(IGNORE); END');
  } finally {
    db.close();
  }
}

async function benchSize(size: Size): Promise<SizeReport> {
  mkdirSync(tmp, { recursive: true });
  const seedPath = `${tmp}/seed-${size.rows}-${size.outcomes}-${opts.users}-${opts.agents}.db`;
  const fixture = seeded(seedPath, size);

  const list = scenarios(fixture).filter((s) => !opts.only || opts.only.includes(s.name));
  const needed: Who[] = ['ours', ...new Set(list.flatMap(baselinesOf))];

  // Each server gets its own copy, so none pays for another's writes (WAL checkpoints).
  const paths = new Map(needed.map((who) => [who, `${tmp}/bench-${size.rows}-${size.outcomes}-${who}.db`]));
  const servers = new Map<Who, Server>();
  const loadavg: number[] = [os.loadavg()[0] ?? 0];
  const runs: Record<string, Partial<Record<Who, Run[]>>> = {};
  try {
    for (const [who, path] of paths) {
      copyFileSync(seedPath, path);
      if (who === 'no-events') dropEvents(path);
      if (onRelease1Side(who)) asRelease1Keys(path);
      servers.set(who, await start(who, path));
    }
    await checkEquivalent(servers, list, fixture);
    const idle = Object.fromEntries([...servers].map(([who, server]) => [who, rssOf(server.child.pid)]));
    const involved = (s: Scenario) => (['ours', ...baselinesOf(s)] as Who[]).map((who) => serverOf(servers, who));
    if (opts.warmup > 0) {
      console.log(`   warm-up: ${opts.warmup} s per scenario and server`);
      for (const s of list) for (const server of involved(s)) await load(server, s, fixture.keys[s.key], opts.warmup);
    }
    for (let round = 1; round <= opts.rounds; round += 1) {
      for (const s of list) {
        // Alternate who goes first, so none always inherits another's aftermath.
        const order = round % 2 === 1 ? involved(s) : involved(s).reverse();
        for (const server of order) {
          const run = await load(server, s, fixture.keys[s.key], opts.duration);
          ((runs[s.name] ??= {})[server.who] ??= []).push(run);
          console.log(
            `   round ${round} ${s.name.padEnd(17)} ${server.who.padEnd(15)} ${run.rps.toFixed(0).padStart(6)} rps  p50 ${run.p50} ms  p99 ${run.p99} ms  cpu ${run.cpuPerRequest.toFixed(0)} µs/req`,
          );
        }
      }
      loadavg.push(os.loadavg()[0] ?? 0);
    }
    return {
      ...size,
      fixture: { users: fixture.users, agents: fixture.agents, seconds: fixture.seconds, bytes: fixture.bytes },
      scenarios: list.map((s) => ({ name: s.name, what: s.what, runs: runs[s.name] ?? {} })),
      rss: Object.fromEntries([...servers].map(([who, server]) => [who, server.peakRss])),
      idleRss: idle,
      loadavg,
    };
  } finally {
    for (const server of servers.values()) await stop(server);
    const keep = opts.reuse ? [] : [seedPath, seedPath.replace(/\.db$/, '.json')];
    for (const path of paths.values()) for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
    for (const path of keep) rmSync(path, { force: true });
  }
}

async function main(): Promise<void> {
  if (!given['no-build']) {
    console.log('building (npm run build)…');
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  if (opts.vsRelease1) buildRelease1();
  if (opts.profile) rmSync(profileDir, { recursive: true, force: true });
  const startedAt = new Date();
  const sizes: SizeReport[] = [];
  for (const rows of opts.rows) for (const outcomes of opts.outcomes) sizes.push(await benchSize({ rows, outcomes }));

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
  writeFileSync(`${root}${opts.out}`, report);
  writeFileSync(`${tmp}/last-run.json`, JSON.stringify({ command, sizes }, null, 2));
  console.log(`\n${report}\nwritten to ${opts.out}`);
  if (opts.profile) for (const who of Object.keys(ENTRY)) if (existsSync(`${profileDir}/${who}`)) console.log(summariseProfiles(`${profileDir}/${who}`));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
