import { formatTime, h, labelled, pagerButtons, replace } from './dom.js';
import { describeError, showStatus, statusArea } from './errors.js';
import { evaluateForm } from './evaluate.js';
import { cell, loadAgents, statusBadge, type Goal } from './goals.js';
import { call, type Result, type Session } from './session.js';

type Outcome = Result<'outcomes', 'get'>;
type Field = Goal['fields'][number];

const verdictText = (achieved: boolean | null): string => (achieved === null ? 'no verdict' : achieved ? 'achieved' : 'not achieved');
export const show = (value: unknown): string => (value === null || value === undefined ? '—' : typeof value === 'string' ? value : JSON.stringify(value));

/** Outcomes with their values: one line per collected value, labelled by the goal's field when known. */
export function outcomesTable(items: readonly Outcome[], fields: readonly Field[], goalNames: Map<string, string> | false, caption?: string): HTMLElement {
  if (items.length === 0) return h('p', {}, 'No outcomes yet.');
  const label = new Map(fields.map((f) => [f.key, f.label]));
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'outcomes stack' },
      h('caption', {}, caption ?? `${items.length} latest outcome${items.length === 1 ? '' : 's'}`),
      h('thead', {}, h('tr', {}, ['Conversation', ...(goalNames ? ['Goal'] : []), 'Verdict', 'Values', 'Source', 'When'].map((t) => h('th', { scope: 'col' }, t)))),
      h(
        'tbody',
        {},
        items.map((o) =>
          h(
            'tr',
            {},
            cell('Conversation', h('code', {}, o.conversation_id)),
            goalNames ? cell('Goal', h('a', { href: `#/goal/${o.goal_id}` }, goalNames.get(o.goal_id) ?? 'goal')) : null,
            cell('Verdict', statusBadge(o.achieved === null ? 'no_data' : o.achieved ? 'achieved' : 'missed'), ' ', verdictText(o.achieved)),
            cell(
              'Values',
              Object.keys(o.values).length
                ? h('dl', { class: 'values' }, Object.entries(o.values).map(([k, v]) => [h('dt', {}, label.get(k) ?? k), h('dd', {}, show(v))]))
                : '—',
              o.missing_required.length ? h('p', { class: 'hint' }, `Missing: ${o.missing_required.join(', ')}`) : null,
            ),
            cell('Source', o.source),
            cell('When', formatTime(o.occurred_at)),
          ),
        ),
      ),
    ),
  );
}

interface OutcomeFilters {
  goalId: string;
  agentId: string;
  achieved: '' | 'true' | 'false' | 'null';
}
const filters: OutcomeFilters = { goalId: '', agentId: '', achieved: '' };
let cursors: (string | undefined)[] = [undefined];

/** Outcomes: a filtered, paged list, and a form that evaluates a pasted transcript. */
export async function outcomesView(root: HTMLElement, session: Session, goalParam: string): Promise<void> {
  if (goalParam) {
    filters.goalId = goalParam;
    cursors = [undefined];
  }
  const area = statusArea();
  const holder = h('div');
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  const [agents, goalsAnswer] = await Promise.all([loadAgents(session), call(session, { resource: 'goals', action: 'list', data: { limit: 100 } })]);
  const goals = goalsAnswer.success ? goalsAnswer.data.items : [];
  const goalNames = new Map(goals.map((g) => [g.id, g.name]));

  const goalSelect = h('select', { name: 'goalId' }, h('option', { value: '' }, 'Any goal'), goals.map((g) => h('option', { value: g.id, selected: g.id === filters.goalId }, g.name)));
  const agentSelect = h('select', { name: 'agentId' }, h('option', { value: '' }, 'Any agent'), agents.map((a) => h('option', { value: a.id, selected: a.id === filters.agentId }, a.name)));
  const achievedSelect = h(
    'select',
    { name: 'achieved' },
    ([['', 'Any verdict'], ['true', 'Achieved'], ['false', 'Not achieved'], ['null', 'No verdict']] as const).map(([v, t]) => h('option', { value: v, selected: v === filters.achieved }, t)),
  );
  const apply = () => {
    filters.goalId = goalSelect.value;
    filters.agentId = agentSelect.value;
    filters.achieved = achievedSelect.value as OutcomeFilters['achieved'];
    cursors = [undefined];
    void load();
  };
  for (const el of [goalSelect, agentSelect, achievedSelect]) el.addEventListener('change', apply);

  async function load(): Promise<void> {
    const cursor = cursors[cursors.length - 1];
    const achieved = filters.achieved === '' ? {} : { achieved: filters.achieved === 'null' ? null : filters.achieved === 'true' };
    const answer = await call(session, {
      resource: 'outcomes',
      action: 'list',
      data: {
        limit: 20,
        ...(filters.goalId ? { goalId: filters.goalId } : {}),
        ...(filters.agentId ? { agentId: filters.agentId } : {}),
        ...achieved,
        ...(cursor ? { cursor } : {}),
      },
    });
    if (!answer.success) return showStatus(area, describeError(answer.error), 'error');
    const page = answer.data;
    const fields = goals.find((g) => g.id === filters.goalId)?.fields ?? [];
    replace(holder, outcomesTable(page.items, fields, goalNames, `${page.count} matching outcome${page.count === 1 ? '' : 's'}`));
    replace(pager, ...pagerButtons(cursors, page, load));
    showStatus(area, '');
  }

  replace(
    root,
    h('h1', { tabindex: -1 }, 'Outcomes'),
    h('form', { class: 'filters', 'aria-label': 'Filter outcomes', onSubmit: (e) => (e.preventDefault(), apply()) }, labelled('Goal', goalSelect), labelled('Agent', agentSelect), labelled('Verdict', achievedSelect)),
    area,
    holder,
    pager,
    evaluateForm(session, goals, filters.goalId, () => void load()),
  );
  await load();
}
