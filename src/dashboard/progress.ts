import { h, s } from './dom.js';
import type { Result } from './session.js';

export type Progress = Result<'goals', 'progress'>;
export type TargetProgress = Progress['targets'][number];
type Measured = Pick<TargetProgress, 'window' | 'conversations' | 'achieved' | 'rate' | 'progress' | 'status'>;

const percent = (progress: number | null): number => (progress === null ? 0 : Math.round(progress * 100));

/** What a target asks for, in words: "25 per week", "60% per month", "100 in total by 2026-12-31". */
export function describeTarget(t: Pick<TargetProgress, 'period' | 'target_type' | 'target_count' | 'target_rate'> & { deadline?: string | null }): string {
  const amount = t.target_type === 'count' ? `${t.target_count ?? '?'} achieved` : `${t.target_rate ?? '?'}% achieved`;
  return t.period === 'total' ? `${amount} in total${t.deadline ? ` by ${t.deadline}` : ''}` : `${amount} per ${t.period}`;
}

/** A measured window in words, for the bar's value text and the chart's titles. */
function describeMeasured(m: Measured): string {
  const share = m.progress === null ? 'no data' : `${percent(m.progress)}% of target`;
  return `${m.achieved} of ${m.conversations} achieved, ${share}, ${m.status.replace('_', ' ')}`;
}

/**
 * A progress bar screen readers and tests can read: role progressbar, 0–100 (a target exceeded
 * shows full, and its value text says by how much). The fill width is set through CSSOM, which the
 * CSP allows (a style attribute would not be).
 */
export function progressBar(label: string, m: Measured): HTMLElement {
  const pct = percent(m.progress);
  const fill = h('span', { class: `fill fill-${m.status}` });
  fill.style.width = `${Math.min(100, pct)}%`;
  return h(
    'div',
    {
      class: 'bar',
      role: 'progressbar',
      'aria-label': label,
      'aria-valuemin': 0,
      'aria-valuemax': 100,
      'aria-valuenow': Math.min(100, pct),
      'aria-valuetext': describeMeasured(m),
    },
    fill,
  );
}

const day = (iso: string): string => iso.slice(0, 10);

/**
 * Past windows as an inline SVG bar chart, oldest on the left: the height is the share of the
 * target (the dashed line is 100%), the colour the window's status. Each bar has a title.
 */
export function historyChart(target: TargetProgress): SVGSVGElement | HTMLElement {
  const windows = [...target.history].reverse();
  if (windows.length === 0) return h('p', { class: 'hint' }, 'No past windows yet.');
  const width = 320;
  const height = 120;
  const top = 10;
  const base = height - 20;
  const cap = Math.max(1.2, ...windows.map((w) => w.progress ?? 0));
  const slot = width / windows.length;
  const y = (p: number) => base - (Math.min(p, cap) / cap) * (base - top);
  const title = `History of the target ${describeTarget(target)}: ${windows.length} past windows`;
  return s(
    'svg',
    { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title },
    s('title', {}, title),
    s('line', { x1: 0, x2: width, y1: y(1), y2: y(1), class: 'goal-line' }),
    windows.map((w, i) => {
      const x = i * slot + slot * 0.15;
      const barTop = y(w.progress ?? 0);
      return s(
        'g',
        {},
        s('rect', { x, y: barTop, width: slot * 0.7, height: Math.max(1, base - barTop), class: w.status === 'achieved' ? 'hit' : 'miss' }, s('title', {}, `${day(w.window.start)}: ${describeMeasured(w)}`)),
        windows.length <= 12 ? s('text', { x: x + slot * 0.35, y: height - 6, 'text-anchor': 'middle' }, day(w.window.start).slice(5)) : null,
      );
    }),
  );
}
