import { readdirSync, readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives: a package, a project file, or Node itself. */
function area(url: string): string {
  if (!url) return '(native / gc / idle)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] ?? url;
  const own = /\/(dist|src|bench)\/(.+)$/.exec(url);
  if (own) return `${own[1]}/${own[2]}`;
  return url.startsWith('node:') ? url : `(other) ${url}`;
}

/** Self time per function and per area for each profile in `dir`: the list to read before optimising. */
export function summariseProfiles(dir: string, top = 25): string {
  const out: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort()) {
    const profile = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as CpuProfile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map<number, number>();
    profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
    const total = [...self.values()].reduce((a, b) => a + b, 0);
    const fns = new Map<string, number>();
    const areas = new Map<string, number>();
    for (const [id, us] of self) {
      const frame = byId.get(id)?.callFrame;
      if (!frame) continue;
      const name = `${frame.functionName || '(anonymous)'} ${area(frame.url)}:${frame.lineNumber + 1}`;
      fns.set(name, (fns.get(name) ?? 0) + us);
      const a = frame.functionName === '(idle)' ? '(idle)' : area(frame.url);
      areas.set(a, (areas.get(a) ?? 0) + us);
    }
    // Inclusive time of the project's own functions: self plus everything they called.
    const inclusive = new Map<string, number>();
    const visit = (id: number, onStack: Set<string>): number => {
      const node = byId.get(id);
      if (!node) return 0;
      let sum = self.get(id) ?? 0;
      const frame = node.callFrame;
      const name = `${frame.functionName || '(anonymous)'} ${area(frame.url)}:${frame.lineNumber + 1}`;
      const own = /^(dist|src)\//.test(area(frame.url)) && !onStack.has(name);
      if (own) onStack.add(name);
      for (const child of node.children ?? []) sum += visit(child, onStack);
      if (own) {
        onStack.delete(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + sum);
      }
      return sum;
    };
    const root = profile.nodes[0];
    if (root) visit(root.id, new Set());
    const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
    const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
    out.push(`\n## ${dir}/${file} (${(total / 1e6).toFixed(1)} s sampled)`, '', 'self time by area:');
    for (const [name, us] of sorted(areas)) out.push(`  ${pct(us)}  ${name}`);
    out.push('', 'self time by function:');
    for (const [name, us] of sorted(fns)) out.push(`  ${pct(us)}  ${name}`);
    out.push('', "inclusive time of the project's functions:");
    for (const [name, us] of sorted(inclusive)) out.push(`  ${pct(us)}  ${name}`);
  }
  return out.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(summariseProfiles(process.argv[2] ?? 'bench/.tmp/profiles', Number(process.argv[3] ?? '25')));
}
