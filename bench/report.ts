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

export interface SizeReport {
  rows: number;
  fixture: Pick<Fixture, 'users' | 'agents' | 'seconds' | 'bytes'>;
  scenarios: { name: string; what: string; runs: { ours: Run[]; floor: Run[] } }[];
  rss: { ours: number; floor: number };
  idleRss: { ours: number; floor: number };
  loadavg: number[];
}

export interface ReportInput {
  command: string;
  startedAt: Date;
  settings: { duration: number; warmup: number; rounds: number; connections: number };
  machine: { cores: number; cpu: string; memory: number; node: string; platform: string };
  sizes: SizeReport[];
}

/** Throughput ratio targets (ours / floor); every scenario also wants p99 ≤ 1.5 × the floor's. */
const RPS_TARGET: Record<string, number> = { create: 0.8, attach: 0.8 };
const DEFAULT_RPS_TARGET = 0.85;
const P99_TARGET = 1.5;
const FLAT_TARGET = 1.2;
/** "As fast as the first page": within measurement noise of it. */
const DEEP_TARGET = 0.9;
const RSS_TARGET = 200 * 2 ** 20;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');
const mark = (ok: boolean) => (ok ? 'met' : '**missed**');

export interface Summary {
  name: string;
  what: string;
  ours: { rps: number; p50: number; p99: number; cpu: number };
  floor: { rps: number; p50: number; p99: number; cpu: number };
  ratio: number;
  p99Ratio: number;
  failed: number;
}

export function summarise(size: SizeReport): Summary[] {
  return size.scenarios.map(({ name, what, runs }) => {
    const side = (list: Run[]) => ({
      rps: median(list.map((r) => r.rps)),
      p50: median(list.map((r) => r.p50)),
      p99: median(list.map((r) => r.p99)),
      cpu: median(list.map((r) => r.cpuPerRequest)),
    });
    const ours = side(runs.ours);
    const floor = side(runs.floor);
    const failed = [...runs.ours, ...runs.floor].reduce((n, r) => n + r.failed, 0);
    return { name, what, ours, floor, ratio: ours.rps / floor.rps, p99Ratio: ours.p99 / Math.max(floor.p99, 1), failed };
  });
}

function sizeSection(size: SizeReport, settings: ReportInput['settings']): string[] {
  const rows = summarise(size);
  const lines = [
    `## ${fmt(size.rows)} goals`,
    '',
    `${fmt(size.fixture.users)} users, ${fmt(size.fixture.agents)} agents, ${fmt(size.rows)} goals (database ${mib(size.fixture.bytes)}, ` +
      `seeded in ${fmt(size.fixture.seconds, 1)} s). Load average (1 min) at the start and after each round: ` +
      `${size.loadavg.map((l) => fmt(l, 2)).join(' → ')}.`,
    '',
    '| scenario | ours rps | floor rps | ratio | ours p50 | floor p50 | ours p99 | floor p99 | p99 ratio | ours CPU/req | floor CPU/req | CPU ratio |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${fmt(r.ours.rps)} | ${fmt(r.floor.rps)} | ${fmt(r.ratio, 2)} | ${r.ours.p50} ms | ${r.floor.p50} ms | ` +
        `${r.ours.p99} ms | ${r.floor.p99} ms | ${fmt(r.p99Ratio, 2)} | ${fmt(r.ours.cpu)} µs | ${fmt(r.floor.cpu)} µs | ${fmt(r.floor.cpu / r.ours.cpu, 2)} |`,
    ),
    '',
    `Medians of ${settings.rounds} rounds; latencies at autocannon's 1 ms resolution. CPU/req is the server process's ` +
      'CPU time (user + system, from /proc) per request served, and CPU ratio is floor / ours: the same comparison as ' +
      'the throughput ratio, but much less disturbed by whatever else runs on the machine (autocannon included).' +
      (rows.some((r) => r.failed > 0) ? ` **${rows.reduce((n, r) => n + r.failed, 0)} requests failed.**` : ' No request failed.'),
    '',
    `Server RSS, peak under load: ours ${mib(size.rss.ours)}, floor ${mib(size.rss.floor)} ` +
      `(idle after start: ours ${mib(size.idleRss.ours)}, floor ${mib(size.idleRss.floor)}).`,
    '',
    '| target | measured (rps) | same by CPU/req | verdict (rps) |',
    '|---|--:|--:|---|',
  ];
  for (const r of rows) {
    const want = RPS_TARGET[r.name] ?? DEFAULT_RPS_TARGET;
    lines.push(`| ${r.name}: throughput ≥ ${want} × floor | ${fmt(r.ratio, 2)} | ${fmt(r.floor.cpu / r.ours.cpu, 2)} | ${mark(r.ratio >= want)} |`);
  }
  for (const r of rows) {
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
  lines.push(`| RSS ≤ ${mib(RSS_TARGET)} under load (ours) | ${mib(size.rss.ours)} | | ${mark(size.rss.ours <= RSS_TARGET)} |`);
  return lines;
}

function flatness(sizes: SizeReport[]): string[] {
  if (sizes.length < 2) return [];
  const sorted = [...sizes].sort((a, b) => a.rows - b.rows);
  const small = sorted[0];
  const large = sorted.at(-1);
  if (!small || !large) return [];
  const lines = [
    '## Cost as the table grows',
    '',
    `The reader owns the same ${fmt(READER_GOALS)} goals at every size; only the rest of the table grows. ` +
      `Time per request at ${fmt(large.rows)} rows against ${fmt(small.rows)} rows, by throughput (1 / rps at the same ` +
      'concurrency) and by server CPU per request.',
    '',
    `| scenario (ours) | ${sorted.map((s) => `${fmt(s.rows)} rows`).join(' | ')} | time ratio by rps | by CPU/req |`,
    `|---|${sorted.map(() => '--:|').join('')}--:|--:|`,
  ];
  for (const name of summarise(small).map((r) => r.name)) {
    const per = sorted.map((s) => summarise(s).find((r) => r.name === name));
    const a = per[0]?.ours;
    const b = per.at(-1)?.ours;
    if (!a || !b) continue;
    const byRps = a.rps / b.rps;
    const byCpu = b.cpu / a.cpu;
    const target = name === 'list' ? ` (target ≤ ${FLAT_TARGET}: ${mark(byRps <= FLAT_TARGET)} by rps, ${mark(byCpu <= FLAT_TARGET)} by CPU)` : '';
    const cells = per.map((r) => (r ? `${fmt(r.ours.rps)} rps, ${fmt(r.ours.cpu)} µs` : 'n/a'));
    lines.push(`| ${name} | ${cells.join(' | ')} | ${fmt(byRps, 2)} | ${fmt(byCpu, 2)}${target} |`);
  }
  return [...lines, ''];
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
    `- Command: \`${input.command}\` (${input.startedAt.toISOString()})`,
    `- Machine: ${machine.cores} cores (${machine.cpu}), ${mib(machine.memory)} RAM, ${machine.platform}, Node ${machine.node}`,
    `- Load: ${settings.connections} connections, ${settings.rounds} rounds × ${settings.duration} s per scenario and server, ` +
      `after a ${settings.warmup} s warm-up of each; autocannon runs on the same machine.`,
    '',
    ...input.sizes.flatMap((s) => [...sizeSection(s, settings), '']),
    ...flatness(input.sizes),
    '## Scenarios',
    '',
    ...(input.sizes[0]?.scenarios ?? []).map((s) => `- \`${s.name}\`: ${s.what}`),
    '',
  ].join('\n');
}
