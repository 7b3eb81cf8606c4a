import type { Baseline } from './scenarios.js';
import { READER_GOALS, type Fixture } from './seed.js';

export interface Run {
  rps: number;
  /** Latency percentiles in milliseconds, as autocannon reports them (1 ms resolution). */
  p50: number;
  p99: number;
  failed: number;
  rss: number;
  /** Server CPU time (user + system) per request served, in microseconds. */
  cpuPerRequest: number;
}

export type Who = 'ours' | Baseline;

/** One database: goals in the table, and outcomes of the tracked goal. */
export interface Size {
  rows: number;
  outcomes: number;
}

export interface SizeReport extends Size {
  fixture: Pick<Fixture, 'users' | 'agents' | 'seconds' | 'bytes'>;
  scenarios: { name: string; what: string; runs: Partial<Record<Who, Run[]>> }[];
  rss: Partial<Record<Who, number>>;
  idleRss: Partial<Record<Who, number>>;
  loadavg: number[];
}

export interface ReportInput {
  command: string;
  startedAt: Date;
  settings: { duration: number; warmup: number; rounds: number; connections: number };
  machine: { cores: number; cpu: string; memory: number; node: string; platform: string };
  sizes: SizeReport[];
}

/** Throughput ratio targets against the floor (ours / floor); every scenario also wants p99 ≤ 1.5 × the floor's. */
const RPS_TARGET: Record<string, number> = { create: 0.8, attach: 0.8, record: 0.8 };
const DEFAULT_RPS_TARGET = 0.85;
/** Writing events may cost at most a tenth of a write's throughput (ours / ours storing no events). */
const EVENTS_TARGET = 0.9;
const P99_TARGET = 1.5;
/** Against release 1 (same run, same data): a ratio this close to 1 is within the noise of this machine. */
const RELEASE_1_NOISE = 0.05;
/** Time per request at the largest size over the smallest, per dimension and scenario. */
const GROWTH_TARGET: Record<Dimension, Record<string, number>> = { rows: { list: 1.2 }, outcomes: { progress: 1.5 } };
/** "As fast as the first page": within measurement noise of it. */
const DEEP_TARGET = 0.9;
const RSS_TARGET = 200 * 2 ** 20;

type Dimension = keyof Size;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');
/** Requests per second: whole numbers, but a slow scenario's 0.4 is not shown as 0. */
const rps = (n: number) => fmt(n, n < 10 ? 1 : 0);
const mark = (ok: boolean) => (ok ? 'met' : '**missed**');

export const sizeName = (size: Size) => `${fmt(size.rows)} goals, ${fmt(size.outcomes)} outcomes`;

interface Side {
  rps: number;
  p50: number;
  p99: number;
  cpu: number;
}

/** One scenario against one baseline (or ours alone: `against` null). */
export interface Summary {
  name: string;
  what: string;
  against: Baseline | null;
  ours: Side;
  base: Side | null;
  ratio: number;
  p99Ratio: number;
  failed: number;
}

const sideOf = (list: Run[]): Side => ({
  rps: median(list.map((r) => r.rps)),
  p50: median(list.map((r) => r.p50)),
  p99: median(list.map((r) => r.p99)),
  cpu: median(list.map((r) => r.cpuPerRequest)),
});

/** Release 1's floor is not compared with ours: only with release 1 (see `ownFloors`). */
const comparedWithOurs = (who: Who): who is Baseline => who !== 'ours' && who !== 'release-1-floor';

export function summarise(size: SizeReport): Summary[] {
  return size.scenarios.flatMap(({ name, what, runs }): Summary[] => {
    const ours = sideOf(runs.ours ?? []);
    const baselines = (Object.keys(runs) as Who[]).filter(comparedWithOurs);
    const oursFailed = (runs.ours ?? []).reduce((n, r) => n + r.failed, 0);
    if (baselines.length === 0) return [{ name, what, against: null, ours, base: null, ratio: Number.NaN, p99Ratio: Number.NaN, failed: oursFailed }];
    return baselines.map((against) => {
      const base = sideOf(runs[against] ?? []);
      const failed = oursFailed + (runs[against] ?? []).reduce((n, r) => n + r.failed, 0);
      return { name, what, against, ours, base, ratio: ours.rps / base.rps, p99Ratio: ours.p99 / Math.max(base.p99, 1), failed };
    });
  });
}

const BASELINE_NAME: Record<Baseline, string> = {
  floor: 'floor',
  'no-events': 'ours, no events',
  'release-1': 'release 1',
  'release-1-floor': "release 1's floor",
};

/** Release 2 against release 1, by the CPU ratio (the less disturbed one). */
function againstRelease1(cpuRatio: number): string {
  if (cpuRatio >= 1 + RELEASE_1_NOISE) return 'better';
  if (cpuRatio >= 1 - RELEASE_1_NOISE) return `no worse (within ${RELEASE_1_NOISE * 100}%)`;
  return '**worse**';
}
const vsName = (r: Summary) => (r.against ? BASELINE_NAME[r.against] : '—');

function sizeSection(size: SizeReport, settings: ReportInput['settings']): string[] {
  const rows = summarise(size);
  const cell = (v: number | undefined, unit: string) => (v === undefined ? '—' : `${fmt(v)}${unit}`);
  const ratioCell = (r: Summary, ratio: number) => (r.base ? fmt(ratio, 2) : '—');
  const cpuRatio = (r: Summary) => ratioCell(r, (r.base?.cpu ?? Number.NaN) / r.ours.cpu);
  const rss = (sizes: Partial<Record<Who, number>>) =>
    (Object.entries(sizes) as [Who, number][]).map(([who, bytes]) => `${who === 'ours' ? 'ours' : BASELINE_NAME[who]} ${mib(bytes)}`).join(', ');
  const lines = [
    `## ${sizeName(size)}`,
    '',
    `${fmt(size.fixture.users)} users, ${fmt(size.fixture.agents)} agents, ${fmt(size.rows)} goals, ${fmt(size.outcomes)} outcomes of the tracked goal ` +
      `(database ${mib(size.fixture.bytes)}, seeded in ${fmt(size.fixture.seconds, 1)} s). Load average (1 min) at the start and after each round: ` +
      `${size.loadavg.map((l) => fmt(l, 2)).join(' → ')}.`,
    '',
    '| scenario | vs | ours rps | vs rps | ratio | ours p50 | vs p50 | ours p99 | vs p99 | p99 ratio | ours CPU/req | vs CPU/req | CPU ratio |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${vsName(r)} | ${rps(r.ours.rps)} | ${r.base ? rps(r.base.rps) : '—'} | ${ratioCell(r, r.ratio)} | ${r.ours.p50} ms | ${cell(r.base?.p50, ' ms')} | ` +
        `${r.ours.p99} ms | ${cell(r.base?.p99, ' ms')} | ${ratioCell(r, r.p99Ratio)} | ${fmt(r.ours.cpu)} µs | ${cell(r.base?.cpu, ' µs')} | ${cpuRatio(r)} |`,
    ),
    '',
    `Medians of ${settings.rounds} rounds; latencies at autocannon's 1 ms resolution. CPU/req is the server process's ` +
      'CPU time (user + system, from /proc) per request served, and CPU ratio is theirs / ours: the same comparison as ' +
      'the throughput ratio, but much less disturbed by whatever else runs on the machine (autocannon included).' +
      (rows.some((r) => r.failed > 0) ? ` **${rows.reduce((n, r) => n + r.failed, 0)} requests failed.**` : ' No request failed.'),
    '',
    `Server RSS, peak under load: ${rss(size.rss)} (idle after start: ${rss(size.idleRss)}).`,
    '',
    '| target | measured (rps) | same by CPU/req | verdict (rps) |',
    '|---|--:|--:|---|',
  ];
  for (const r of rows) {
    if (r.against === 'floor') {
      const want = RPS_TARGET[r.name] ?? DEFAULT_RPS_TARGET;
      lines.push(`| ${r.name}: throughput ≥ ${want} × floor | ${fmt(r.ratio, 2)} | ${cpuRatio(r)} | ${mark(r.ratio >= want)} |`);
    } else if (r.against === 'no-events') {
      lines.push(`| ${r.name}: throughput with events ≥ ${EVENTS_TARGET} × without | ${fmt(r.ratio, 2)} | ${cpuRatio(r)} | ${mark(r.ratio >= EVENTS_TARGET)} |`);
    } else if (r.against === 'release-1') {
      const byCpu = (r.base?.cpu ?? Number.NaN) / r.ours.cpu;
      lines.push(`| ${r.name}: against release 1 (verdict by CPU/req) | ${fmt(r.ratio, 2)} | ${cpuRatio(r)} | ${againstRelease1(byCpu)} |`);
    }
  }
  for (const r of rows.filter((r) => r.against === 'floor')) {
    lines.push(`| ${r.name}: p99 ≤ ${P99_TARGET} × floor | ${fmt(r.p99Ratio, 2)} | | ${mark(r.p99Ratio <= P99_TARGET)} |`);
  }
  const first = rows.find((r) => r.name === 'list');
  const deep = rows.find((r) => r.name === 'list-deep-cursor');
  if (first && deep) {
    const q = deep.ours.rps / first.ours.rps;
    lines.push(
      `| deep cursor page ≥ ${DEEP_TARGET} × first page's throughput (ours) | ${fmt(q, 2)} | ${fmt(first.ours.cpu / deep.ours.cpu, 2)} | ${mark(q >= DEEP_TARGET)} |`,
    );
  }
  const oursRss = size.rss.ours ?? 0;
  lines.push(`| RSS ≤ ${mib(RSS_TARGET)} under load (ours) | ${mib(oursRss)} | | ${mark(oursRss <= RSS_TARGET)} |`);
  return [...lines, ...ownFloors(size)];
}

/**
 * Release 2's core against release 1's by what each adds to its own floor, in the same rounds: each
 * floor runs its release's SQL, so the columns added since weigh on both sides of release 2's ratio.
 */
function ownFloors(size: SizeReport): string[] {
  const rows = size.scenarios.flatMap(({ name, runs }) => {
    const [ours, floor, r1, r1Floor] = (['ours', 'floor', 'release-1', 'release-1-floor'] as const).map((who) => runs[who]);
    if (!ours || !floor || !r1 || !r1Floor) return [];
    const [o, f, r, rf] = [ours, floor, r1, r1Floor].map(sideOf) as [Side, Side, Side, Side];
    const cpu = { ours: f.cpu / o.cpu, r1: rf.cpu / r.cpu };
    return [
      `| ${name} | ${fmt(o.rps / f.rps, 2)} | ${fmt(r.rps / rf.rps, 2)} | ${fmt(cpu.ours, 2)} | ${fmt(cpu.r1, 2)} | ` +
        `${fmt(cpu.ours / cpu.r1, 2)}: ${againstRelease1(cpu.ours / cpu.r1)} |`,
    ];
  });
  if (rows.length === 0) return [];
  return [
    '',
    "Each release against its own floor (release 1's is its bench/floor.ts, with release 1's SQL), same rounds:",
    '',
    '| scenario | ours / floor (rps) | release 1 / its floor (rps) | ours / floor (CPU) | release 1 / its floor (CPU) | ours against release 1 (by CPU) |',
    '|---|--:|--:|--:|--:|---|',
    ...rows,
  ];
}

const GROWTH_TEXT: Record<Dimension, { title: string; intro: string; unit: string }> = {
  rows: {
    title: 'Cost as the goals table grows',
    intro: `The reader owns the same ${fmt(READER_GOALS)} goals at every size; only the rest of the table grows.`,
    unit: 'goals',
  },
  outcomes: {
    title: "Cost as a goal's outcomes grow",
    intro:
      "The tracked goal is the same at every size; only its outcomes in the current week grow (the writer's goals, " +
      'where `record` writes, share the outcomes table).',
    unit: 'outcomes',
  },
};

/**
 * One table per dimension that varies, for the sizes that share the other dimension: time per
 * request at the largest size against the smallest, by throughput and by server CPU per request.
 */
function growth(sizes: SizeReport[], dim: Dimension): string[] {
  const other: Dimension = dim === 'rows' ? 'outcomes' : 'rows';
  const lines: string[] = [];
  for (const fixed of [...new Set(sizes.map((s) => s[other]))]) {
    const sorted = sizes.filter((s) => s[other] === fixed).sort((a, b) => a[dim] - b[dim]);
    const small = sorted[0];
    const large = sorted.at(-1);
    if (!small || !large || small[dim] === large[dim]) continue;
    const text = GROWTH_TEXT[dim];
    lines.push(
      `## ${text.title} (${fmt(fixed)} ${GROWTH_TEXT[other].unit})`,
      '',
      `${text.intro} Time per request at ${fmt(large[dim])} ${text.unit} against ${fmt(small[dim])}, by throughput (1 / rps at the same ` +
        'concurrency) and by server CPU per request.',
      '',
      `| scenario (ours) | ${sorted.map((s) => `${fmt(s[dim])} ${text.unit}`).join(' | ')} | time ratio by rps | by CPU/req |`,
      `|---|${sorted.map(() => '--:|').join('')}--:|--:|`,
    );
    for (const name of [...new Set(summarise(small).map((r) => r.name))]) {
      const per = sorted.map((s) => summarise(s).find((r) => r.name === name));
      const a = per[0]?.ours;
      const b = per.at(-1)?.ours;
      if (!a || !b) continue;
      const byRps = a.rps / b.rps;
      const byCpu = b.cpu / a.cpu;
      const want = GROWTH_TARGET[dim][name];
      const target = want === undefined ? '' : ` (target ≤ ${want}: ${mark(byRps <= want)} by rps, ${mark(byCpu <= want)} by CPU)`;
      const cells = per.map((r) => (r ? `${rps(r.ours.rps)} rps, ${fmt(r.ours.cpu)} µs` : 'n/a'));
      lines.push(`| ${name} | ${cells.join(' | ')} | ${fmt(byRps, 2)} | ${fmt(byCpu, 2)}${target} |`);
    }
    lines.push('');
  }
  return lines;
}

export function renderReport(input: ReportInput): string {
  const { machine, settings } = input;
  return [
    '# Benchmark: Goalpost against the floor',
    '',
    'Generated by `npm run bench` (code in `bench/`). The **floor** is the least a server can do for the same',
    'requests: bare Hono on @hono/node-server and better-sqlite3 prepared statements running the SQL Goalpost',
    'sends, the API-key lookup by SHA-256 hash included, and nothing else (no dispatch, validation, query',
    'builder or middleware). Each serves its own copy of the same seeded database. Every round runs each',
    'scenario on ours and on the floor back to back, alternating who goes first, so a busy machine slows',
    'both alike: the **ratios** are the figures to read; absolute numbers depend on the machine and its load.',
    '',
    'Quick checks (one to three minutes each once seeded, depending on the load; seeds are kept in `bench/.tmp`,',
    'and seeding 1,000,000 outcomes takes one to three minutes more the first time):',
    '',
    '```sh',
    'npm run bench -- --quick    # record, progress, outcomes-list at 1,000 and 1,000,000 outcomes → bench/.tmp/RESULTS-quick.md',
    'npm run bench -- --quick --only create,record --outcomes 1000    # what writing events costs',
    'npm run bench -- --quick --vs-release-1 --only get,list,create,attach --outcomes 1000    # against release 1',
    '```',
    '',
    '`--quick` stands for `--rows 10000 --outcomes 1000,1000000 --only record,progress,outcomes-list --duration 3',
    '--warmup 1 --rounds 2 --connections 8 --reuse --out bench/.tmp/RESULTS-quick.md`; any of these given as well wins.',
    '',
    '**Events\' cost** (`vs` = "ours, no events"): the same build of ours, started on another copy of the same',
    'database in which one trigger (`BEFORE INSERT ON events … RAISE(IGNORE)`) drops every event row as it is',
    'inserted. Both run the same code and send the same statements; only storing the events (the row, its',
    'indexes, the AUTOINCREMENT counter, their pages in the WAL) is missing on one side. What it does not see is the work before the',
    'row is stored (binding the event\'s values, evaluating its SELECT), which both sides do.',
    '',
    '**Release 1** (`vs` = "release 1", with `--vs-release-1`): the build of release 1\'s last commit, made from git into',
    '`bench/.tmp` on first use and started on its own copy of the same database, for the requests release 1 answered.',
    'Ours answers with more (the fields added since; the equivalence check cuts ours down to release 1\'s keys), and',
    'ours\' `create` also writes its event. The verdict reads the CPU ratio and calls anything within 5% "no worse":',
    'two identical builds measured this way differ by up to that much on this machine. Release 1\'s own floor',
    '(its `bench/floor.ts`, release 1\'s SQL) runs beside it on another copy, so that what each release adds to its',
    'own floor is compared too: the table "Each release against its own floor" under each size.',
    '',
    '**Progress** has no floor: its target is growth (the table "Cost as a goal\'s outcomes grow"), so only ours runs it.',
    '',
    `- Command: \`${input.command}\` (${input.startedAt.toISOString()})`,
    `- Machine: ${machine.cores} cores (${machine.cpu}), ${mib(machine.memory)} RAM, ${machine.platform}, Node ${machine.node}`,
    `- Load: ${settings.connections} connections, ${settings.rounds} rounds × ${settings.duration} s per scenario and server, ` +
      `after a ${settings.warmup} s warm-up of each; autocannon runs on the same machine.`,
    '',
    ...input.sizes.flatMap((s) => [...sizeSection(s, settings), '']),
    ...growth(input.sizes, 'rows'),
    ...growth(input.sizes, 'outcomes'),
    '## Scenarios',
    '',
    ...(input.sizes[0]?.scenarios ?? []).map((s) => `- \`${s.name}\`: ${s.what}`),
    '',
  ].join('\n');
}
