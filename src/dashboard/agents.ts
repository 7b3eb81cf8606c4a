import { formatTime, h, labelled, replace } from './dom.js';
import { describeError, showFormError, showStatus, statusArea } from './errors.js';
import { cell, loadAgents, type Agent, type Goal } from './goals.js';
import { call, type Session } from './session.js';

/** Agents: each with its attached goal, a picker to attach another, detach; and a form to add one. */
export async function agentsView(root: HTMLElement, session: Session): Promise<void> {
  const area = statusArea();
  const [agents, goalsAnswer] = await Promise.all([
    loadAgents(session),
    call(session, { resource: 'goals', action: 'list', data: { limit: 100 } }),
  ]);
  const goals: Goal[] = goalsAnswer.success ? goalsAnswer.data.items.filter((g) => g.status !== 'archived') : [];
  const goalName = new Map(goals.map((g) => [g.id, g.name]));
  const reload = () => void agentsView(root, session);

  const attach = async (agent: Agent, goalId: string) => {
    const answer = await call(session, { resource: 'goals', action: 'attach', data: { goalId, agentId: agent.id } });
    if (!answer.success) return showStatus(area, describeError(answer.error), 'error');
    reload();
  };
  const detach = async (agent: Agent) => {
    const answer = await call(session, { resource: 'goals', action: 'detach', data: { agentId: agent.id } });
    if (!answer.success) return showStatus(area, describeError(answer.error), 'error');
    reload();
  };

  const row = (agent: Agent) => {
    // A goal and its agent share an owner: offer only the agent owner's goals.
    const choices = goals.filter((g) => !agent.owner || g.owner?.id === agent.owner.id);
    const picker = h('select', { name: 'goalId' }, choices.map((g) => h('option', { value: g.id, selected: g.id === agent.goal_id }, g.name)));
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, agent.name),
      cell('Attached goal', agent.goal_id ? h('a', { href: `#/goal/${agent.goal_id}` }, goalName.get(agent.goal_id) ?? 'a goal') : 'none'),
      session.allOwners ? cell('Owner', agent.owner?.email ?? agent.owner?.id ?? '—') : null,
      cell('Updated', formatTime(agent.updated_at)),
      h(
        'td',
        { class: 'row-actions', 'data-label': 'Actions' },
        choices.length
          ? h(
              'form',
              { class: 'inline', 'aria-label': `Attach a goal to ${agent.name}`, onSubmit: (e) => (e.preventDefault(), void attach(agent, picker.value)) },
              labelled(`Goal for ${agent.name}`, picker),
              h('button', { type: 'submit' }, 'Attach'),
            )
          : null,
        agent.goal_id ? h('button', { type: 'button', class: 'secondary', 'aria-label': `Detach the goal of ${agent.name}`, onClick: () => void detach(agent) }, 'Detach') : null,
      ),
    );
  };

  const newName = h('input', { name: 'name', required: true, 'data-path': 'data.name' });
  const createArea = statusArea();
  const createForm = h(
    'form',
    {
      'aria-labelledby': 'new-agent-h',
      novalidate: true,
      onSubmit: async (e) => {
        e.preventDefault();
        const answer = await call(session, { resource: 'agents', action: 'create', data: { name: newName.value } });
        if (!answer.success) return showFormError(createForm, createArea, answer.error);
        reload();
      },
    },
    h('h2', { id: 'new-agent-h' }, 'New agent'),
    labelled('Agent name', newName),
    h('button', { type: 'submit' }, 'Create agent'),
    createArea,
  );

  replace(
    root,
    h('h1', { tabindex: -1 }, 'Agents'),
    area,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'agents stack' },
        h('caption', {}, `${agents.length} agent${agents.length === 1 ? '' : 's'}`),
        h('thead', {}, h('tr', {}, ['Agent', 'Attached goal', ...(session.allOwners ? ['Owner'] : []), 'Updated', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, agents.length ? agents.map(row) : h('tr', {}, h('td', { colspan: 5 }, 'No agents yet.'))),
      ),
    ),
    session.allOwners ? null : createForm,
  );
}
