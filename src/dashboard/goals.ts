import { formatTime, h, labelled, pagerButtons, replace, type Child } from './dom.js';
import { describeError, showStatus, statusArea } from './errors.js';
import { describeTarget, historyChart, progressBar } from './progress.js';
import { outcomesTable } from './outcomes.js';
import { followEvents, type FeedEvent } from './live-events.js';
import { call, onLeave, storedKey, type Result, type Session } from './session.js';

export type Goal = Result<'goals', 'get'>;
export type Agent = Result<'agents', 'get'>;

export const GOAL_STATUSES = ['draft', 'active', 'paused', 'archived'] as const;

/** Up to 100 agents of the current mode, for names and pickers (the dashboard's scale: one page). */
export async function loadAgents(session: Session): Promise<Agent[]> {
  const answer = await call(session, { resource: 'agents', action: 'list', data: { limit: 100 } });
  return answer.success ? answer.data.items : [];
}

/** A table cell that names its column, shown as a label when narrow screens stack the rows. */
export const cell = (label: string, ...children: Child[]): HTMLTableCellElement => h('td', { 'data-label': label }, ...children);

export const statusBadge = (status: string): HTMLElement => h('span', { class: `badge badge-${status}` }, status.replace('_', ' '));

/** What the goals table filters on; kept while the tab lives, so coming back keeps the view. */
interface GoalFilters {
  status: string;
  agentId: string;
  ownerId: string;
  q: string;
  tag: string;
}
const filters: GoalFilters = { status: '', agentId: '', ownerId: '', q: '', tag: '' };
/** Cursors of the pages before the current one; the current page's cursor is the last. */
let cursors: (string | undefined)[] = [undefined];

function select(name: string, choices: readonly (readonly [string, string])[], value: string, path?: string): HTMLSelectElement {
  return h('select', { name, 'data-path': path }, choices.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));
}

function ownerChoices(agents: Agent[]): [string, string][] {
  const owners = new Map<string, string>();
  for (const agent of agents) if (agent.owner) owners.set(agent.owner.id, agent.owner.email ?? agent.owner.id);
  return [...owners].sort((a, b) => a[1].localeCompare(b[1]));
}

/** The goals table with its filters and cursor paging. */
export async function goalsView(root: HTMLElement, session: Session): Promise<void> {
  const area = statusArea();
  const tableHolder = h('div', { class: 'table-wrap' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  const agents = await loadAgents(session);
  const agentName = new Map(agents.map((a) => [a.id, a.name]));

  const statusSelect = select('status', [['', 'Any status'], ...GOAL_STATUSES.map((s) => [s, s] as const)], filters.status);
  const agentSelect = select('agentId', [['', 'Any agent'], ...agents.map((a) => [a.id, a.name] as const)], filters.agentId);
  const search = h('input', { type: 'search', name: 'q', value: filters.q, placeholder: 'Name contains…' });
  const tag = h('input', { type: 'search', name: 'tag', value: filters.tag, placeholder: 'one tag', 'data-path': 'data.tag', autocomplete: 'off' });
  const ownerSelect = session.allOwners ? select('ownerId', [['', 'Any owner'], ...ownerChoices(agents)], filters.ownerId) : null;

  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filter goals', onSubmit: (e) => (e.preventDefault(), apply()) },
    labelled('Status', statusSelect),
    labelled('Agent', agentSelect),
    ownerSelect ? labelled('Owner', ownerSelect) : null,
    labelled('Search', search),
    labelled('Tag', tag),
    h('button', { type: 'submit' }, 'Apply filters'),
  );
  // Selects apply at once; the search box applies on Enter or the button.
  statusSelect.addEventListener('change', () => apply());
  agentSelect.addEventListener('change', () => apply());
  ownerSelect?.addEventListener('change', () => apply());

  function apply(): void {
    filters.status = statusSelect.value;
    filters.agentId = agentSelect.value;
    filters.ownerId = ownerSelect?.value ?? '';
    filters.q = search.value.trim();
    filters.tag = tag.value.trim().toLowerCase();
    cursors = [undefined];
    void load();
  }

  async function load(): Promise<void> {
    const cursor = cursors[cursors.length - 1];
    const answer = await call(session, {
      resource: 'goals',
      action: 'list',
      data: {
        limit: 20,
        include: ['progress'],
        ...(filters.tag ? { tag: filters.tag } : {}),
        ...(filters.status ? { status: filters.status as (typeof GOAL_STATUSES)[number] } : {}),
        ...(filters.agentId ? { agentId: filters.agentId } : {}),
        ...(filters.q ? { q: filters.q } : {}),
        ...(session.allOwners && filters.ownerId ? { ownerId: filters.ownerId } : {}),
        ...(cursor ? { cursor } : {}),
      },
    });
    if (!answer.success) {
      showStatus(area, describeError(answer.error), 'error');
      return;
    }
    const page = answer.data;
    const rows = page.items.map((goal) =>
      h(
        'tr',
        {},
        cell('Name', h('a', { href: `#/goal/${goal.id}` }, goal.name)),
        cell('Agent', agentName.get(goal.agent_id) ?? '—'),
        cell('Status', statusBadge(goal.status)),
        cell('Tags', goal.tags.length ? goal.tags.map((t) => h('span', { class: 'tag' }, t)) : '—'),
        session.allOwners ? cell('Owner', goal.owner?.email ?? goal.owner?.id ?? '—') : null,
        cell('Progress', primaryProgress(goal)),
        cell('Updated', h('time', { datetime: goal.updated_at }, formatTime(goal.updated_at))),
      ),
    );
    replace(
      tableHolder,
      h(
        'table',
        { class: 'goals stack' },
        h('caption', {}, `${page.count} goal${page.count === 1 ? '' : 's'}`),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Name', 'Agent', 'Status', 'Tags', ...(session.allOwners ? ['Owner'] : []), 'Progress', 'Updated'].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 8 }, 'No goals match.'))),
      ),
    );
    replace(pager, ...pagerButtons(cursors, page, load));
    showStatus(area, '');
  }

  replace(
    root,
    h('div', { class: 'heading' }, h('h1', { tabindex: -1 }, 'Goals'), h('a', { class: 'button', href: '#/goals/new' }, 'New goal')),
    form,
    area,
    tableHolder,
    pager,
  );
  await load();
}

/** The primary target's bar and status, as the table shows it. */
function primaryProgress(goal: Goal): HTMLElement | string {
  const primary = goal.progress?.targets.find((t) => t.is_primary);
  if (!primary) return 'no target';
  return h('div', { class: 'progress-cell' }, progressBar(`Progress of ${goal.name}`, primary), statusBadge(primary.status));
}

function fieldsTable(goal: Goal): HTMLElement {
  if (goal.fields.length === 0) return h('p', {}, 'No lead-info fields.');
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'stack' },
      h('caption', { class: 'visually-hidden' }, 'Lead-info fields'),
      h('thead', {}, h('tr', {}, ['Key', 'Label', 'Type', 'Required', 'Options', 'Description'].map((t) => h('th', { scope: 'col' }, t)))),
      h(
        'tbody',
        {},
        goal.fields.map((f) =>
          h(
            'tr',
            {},
            cell('Key', h('code', {}, f.key)),
            cell('Label', f.label),
            cell('Type', f.type),
            cell('Required', f.required ? 'yes' : 'no'),
            cell('Options', f.options?.join(', ') ?? '—'),
            cell('Description', f.description ?? '—'),
          ),
        ),
      ),
    ),
  );
}

/** Attach this goal to an agent, and detach it from the agents that pursue it. */
function attachments(session: Session, goal: Goal, agents: Agent[], area: HTMLElement, reload: () => void): HTMLElement {
  const pursuing = agents.filter((a) => a.goal_id === goal.id);
  const candidates = agents.filter((a) => a.goal_id !== goal.id && (!goal.owner || a.owner?.id === goal.owner.id));
  const picker = select('agentId', candidates.map((a) => [a.id, a.name] as const), candidates[0]?.id ?? '');
  const attach = async (e: Event) => {
    e.preventDefault();
    const answer = await call(session, { resource: 'goals', action: 'attach', data: { goalId: goal.id, agentId: picker.value } });
    if (!answer.success) return showStatus(area, describeError(answer.error), 'error');
    reload();
  };
  const detach = async (agent: Agent) => {
    const answer = await call(session, { resource: 'goals', action: 'detach', data: { agentId: agent.id, goalId: goal.id } });
    if (!answer.success) return showStatus(area, describeError(answer.error), 'error');
    reload();
  };
  return h(
    'section',
    { 'aria-labelledby': 'attached-h' },
    h('h2', { id: 'attached-h' }, 'Agents pursuing this goal'),
    pursuing.length
      ? h(
          'ul',
          { class: 'plain' },
          pursuing.map((a) =>
            h('li', {}, a.name, ' ', h('button', { type: 'button', 'aria-label': `Detach from ${a.name}`, onClick: () => void detach(a) }, 'Detach')),
          ),
        )
      : h('p', {}, 'No agent pursues it.'),
    candidates.length
      ? h('form', { class: 'inline', 'aria-label': 'Attach to an agent', onSubmit: attach }, labelled('Attach to agent', picker), h('button', { type: 'submit' }, 'Attach'))
      : null,
  );
}

/** Each target: what it asks, the current window's bar and numbers, and a chart of past windows. */
function targetsSection(goal: Goal, progress: Result<'goals', 'progress'>): HTMLElement {
  if (progress.targets.length === 0) return h('p', {}, 'No targets: add one with Edit.');
  return h(
    'ul',
    { class: 'plain targets' },
    progress.targets.map((t, i) => {
      const stored = goal.targets.find((x) => x.id === t.target_id);
      const name = `${describeTarget({ ...t, deadline: stored?.deadline ?? null })}${t.is_primary ? ' (primary)' : ''}`;
      return h(
        'li',
        { class: 'target' },
        h('h3', {}, `Target ${i + 1}: ${name}`),
        h('div', { class: 'progress-cell' }, progressBar(`Progress of target ${i + 1}`, t), statusBadge(t.status)),
        h(
          'p',
          { class: 'hint' },
          `This window (${t.window.start.slice(0, 10)} to ${t.window.end.slice(0, 10)}): ${t.achieved} achieved of ${t.conversations}` +
            (t.rate === null ? '' : `, rate ${t.rate}%`) +
            (t.expected === null ? '' : `, ${t.expected} expected by now`),
        ),
        t.period === 'total' ? null : historyChart(t),
      );
    }),
  );
}

/** A line for one event: its type, when, and what its data says in short. */
function eventLine(event: FeedEvent): HTMLElement {
  const d = event.data;
  const detail =
    event.type === 'goal.updated' && Array.isArray(d.changed)
      ? `changed ${d.changed.join(', ')}`
      : event.type === 'outcome.recorded'
        ? `achieved: ${String(d.achieved)}${d.replaced ? ' (replaced)' : ''}`
        : '';
  return h('li', { 'data-event-type': event.type }, h('strong', {}, event.type), ` ${formatTime(event.occurred_at)}${detail ? ` — ${detail}` : ''}`);
}

/** The goal's events as they happen (GET /events for this goal), newest on top. */
function liveEvents(session: Session, goal: Goal): HTMLElement {
  const list = h('ol', { class: 'events plain', 'aria-live': 'polite', 'aria-relevant': 'additions' });
  const state = statusArea();
  const stop = followEvents({
    token: storedKey,
    // In admin mode the goal's owner narrows the stream's reads to that owner's events (one index serves the feed).
    query: { goal_id: goal.id, ...(session.allOwners ? { admin: 'true', ...(goal.owner ? { owner_id: goal.owner.id } : {}) } : {}) },
    onEvent: (event) => list.prepend(eventLine(event)),
    onState: (text, failed) => showStatus(state, text, failed ? 'error' : 'ok'),
  });
  onLeave(stop);
  return h('section', { 'aria-labelledby': 'events-h' }, h('h2', { id: 'events-h' }, 'Live events'), state, list);
}

/** One goal: its settings, fields, attachments (more sections join as the API grows). */
export async function goalView(root: HTMLElement, session: Session, id: string): Promise<void> {
  const [answer, agents, progress, outcomes] = await Promise.all([
    call(session, { resource: 'goals', action: 'get', id }),
    loadAgents(session),
    call(session, { resource: 'goals', action: 'progress', id, data: { history: 8 } }),
    call(session, { resource: 'outcomes', action: 'list', data: { goalId: id, limit: 10 } }),
  ]);
  const area = statusArea();
  if (!answer.success) {
    replace(root, h('h1', { tabindex: -1 }, 'Goal'), area);
    showStatus(area, describeError(answer.error), 'error');
    return;
  }
  const goal = answer.data;
  const agentName = agents.find((a) => a.id === goal.agent_id)?.name ?? goal.agent_id;
  const remove = async () => {
    if (!confirm(`Delete the goal "${goal.name}"? Its attachments go with it.`)) return;
    const done = await call(session, { resource: 'goals', action: 'delete', id: goal.id });
    if (!done.success) return showStatus(area, describeError(done.error), 'error');
    location.hash = '#/goals';
  };
  replace(
    root,
    h(
      'div',
      { class: 'heading' },
      h('h1', { tabindex: -1 }, goal.name),
      h('a', { class: 'button', href: `#/goal/${goal.id}/edit` }, 'Edit'),
      h('button', { type: 'button', class: 'danger', onClick: () => void remove() }, 'Delete'),
    ),
    area,
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Status'),
      h('dd', {}, statusBadge(goal.status)),
      h('dt', {}, 'Agent'),
      h('dd', {}, agentName),
      h('dt', {}, 'Priority'),
      h('dd', {}, goal.priority ?? '—'),
      h('dt', {}, 'Tags'),
      h('dd', {}, goal.tags.length ? goal.tags.map((t) => h('span', { class: 'tag' }, t)) : '—'),
      h('dt', {}, 'Time zone'),
      h('dd', {}, goal.timezone),
      h('dt', {}, 'Channel'),
      h('dd', {}, goal.channel_id ?? 'all channels'),
      goal.owner ? [h('dt', {}, 'Owner'), h('dd', {}, goal.owner.email ?? goal.owner.id)] : null,
      h('dt', {}, 'Updated'),
      h('dd', {}, formatTime(goal.updated_at)),
    ),
    goal.description ? h('p', { class: 'description' }, goal.description) : null,
    h('section', { 'aria-labelledby': 'fields-h' }, h('h2', { id: 'fields-h' }, 'Lead-info fields'), fieldsTable(goal)),
    h(
      'section',
      { 'aria-labelledby': 'targets-h' },
      h('h2', { id: 'targets-h' }, 'Targets and progress'),
      progress.success ? targetsSection(goal, progress.data) : h('p', { class: 'status error', role: 'alert' }, describeError(progress.error)),
    ),
    h(
      'section',
      { 'aria-labelledby': 'outcomes-h' },
      h('h2', { id: 'outcomes-h' }, 'Recent outcomes'),
      outcomes.success ? outcomesTable(outcomes.data.items, goal.fields, false) : h('p', { class: 'status error', role: 'alert' }, describeError(outcomes.error)),
      h('p', {}, h('a', { href: `#/outcomes?goal=${goal.id}` }, 'All outcomes and evaluation')),
    ),
    liveEvents(session, goal),
    attachments(session, goal, agents, area, () => void goalView(root, session, id)),
  );
}
