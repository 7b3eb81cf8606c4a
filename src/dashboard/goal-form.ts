import { h, labelled, replace } from './dom.js';
import { describeError, showFormError, showStatus, statusArea } from './errors.js';
import { GOAL_STATUSES, loadAgents, type Goal } from './goals.js';
import { call, type Input, type Session } from './session.js';

type CreateInput = Input<'goals', 'create'>;
type FieldInput = NonNullable<CreateInput['fields']>[number];
type FieldType = FieldInput['type'];
type TargetInput = NonNullable<CreateInput['targets']>[number];
type Period = TargetInput['period'];
type TargetType = TargetInput['target_type'];
const PERIODS: readonly Period[] = ['day', 'week', 'month', 'quarter', 'year', 'total'];
type Status = (typeof GOAL_STATUSES)[number];

const FIELD_TYPES: readonly FieldType[] = ['text', 'email', 'phone', 'number', 'integer', 'boolean', 'date', 'datetime', 'url', 'enum'];

/** What the form edits: a goal's writable keys, as the create input takes them. */
interface Draft {
  agent_id: string;
  name: string;
  description: string | null;
  status: Status;
  priority: number | null;
  fields: FieldInput[];
  channel_id: string | null;
  tags: string[];
  timezone: string;
  targets: TargetInput[];
}

const emptyField = (): FieldInput => ({ key: '', label: '', type: 'text', required: false, description: null, options: null });

const blank = (text: string): string | null => (text.trim() === '' ? null : text);
const numberOrNull = (text: string): number | null => (text.trim() === '' ? null : Number(text));

const emptyTarget = (): TargetInput => ({ period: 'week', target_type: 'count', target_count: null, target_rate: null, is_primary: false, start_date: null, deadline: null });

function targetRow(target: TargetInput, index: number, onRemove: () => void): HTMLFieldSetElement {
  const path = (key: string) => `data.targets.${index}.${key}`;
  const period = h('select', { name: 'period', 'data-path': path('period') }, PERIODS.map((p) => h('option', { value: p, selected: p === target.period }, p)));
  const type = h(
    'select',
    { name: 'target_type', 'data-path': path('target_type') },
    (['count', 'rate'] as const).map((t) => h('option', { value: t, selected: t === target.target_type }, t === 'count' ? 'count (achieved conversations)' : 'rate (% achieved)')),
  );
  const count = labelled('Target count', h('input', { name: 'target_count', type: 'number', min: 1, inputmode: 'numeric', value: target.target_count ?? '', 'data-path': path('target_count') }));
  const rate = labelled('Target rate (%)', h('input', { name: 'target_rate', type: 'number', min: 0, max: 100, step: 'any', value: target.target_rate ?? '', 'data-path': path('target_rate') }));
  const start = labelled('Start date', h('input', { name: 'start_date', type: 'date', value: target.start_date ?? '', 'data-path': path('start_date') }));
  const deadline = labelled('Deadline', h('input', { name: 'deadline', type: 'date', value: target.deadline ?? '', 'data-path': path('deadline') }));
  const sync = () => {
    count.classList.toggle('hidden', type.value !== 'count');
    rate.classList.toggle('hidden', type.value !== 'rate');
    start.classList.toggle('hidden', period.value !== 'total');
    deadline.classList.toggle('hidden', period.value !== 'total');
  };
  period.addEventListener('change', sync);
  type.addEventListener('change', sync);
  sync();
  return h(
    'fieldset',
    { class: 'field-row target-row' },
    h('legend', {}, `Target ${index + 1}`),
    labelled('Period', period),
    labelled('Kind', type),
    count,
    rate,
    start,
    deadline,
    h(
      'div',
      { class: 'control check' },
      h('input', { type: 'checkbox', name: 'is_primary', id: `primary-${index}`, checked: target.is_primary ?? false, 'data-path': path('is_primary') }),
      h('label', { for: `primary-${index}` }, 'Primary'),
    ),
    h('button', { type: 'button', class: 'secondary', onClick: onRemove, 'aria-label': `Remove target ${index + 1}` }, 'Remove target'),
  );
}

function readTarget(row: Element): TargetInput {
  const value = (name: string) => row.querySelector<HTMLInputElement | HTMLSelectElement>(`[name="${name}"]`)?.value ?? '';
  const period = value('period') as Period;
  const type = value('target_type') as TargetType;
  // Only the keys the period and kind use are sent; an empty one goes as null, so the API names it.
  return {
    period,
    target_type: type,
    target_count: type === 'count' ? numberOrNull(value('target_count')) : null,
    target_rate: type === 'rate' ? numberOrNull(value('target_rate')) : null,
    is_primary: row.querySelector<HTMLInputElement>('[name="is_primary"]')?.checked ?? false,
    start_date: period === 'total' ? blank(value('start_date')) : null,
    deadline: period === 'total' ? blank(value('deadline')) : null,
  };
}

function fieldRow(field: FieldInput, index: number, onRemove: () => void): HTMLFieldSetElement {
  const path = (key: string) => `data.fields.${index}.${key}`;
  const options = h('input', { name: 'options', value: field.options?.join(', ') ?? '', 'data-path': path('options') });
  const type = h(
    'select',
    { name: 'type', 'data-path': path('type') },
    FIELD_TYPES.map((t) => h('option', { value: t, selected: t === field.type }, t)),
  );
  const optionsControl = labelled('Options (comma-separated, for enum)', options);
  const syncOptions = () => optionsControl.classList.toggle('hidden', type.value !== 'enum');
  type.addEventListener('change', syncOptions);
  const row = h(
    'fieldset',
    { class: 'field-row lead-field', 'data-index': index },
    h('legend', {}, `Field ${index + 1}`),
    labelled('Key', h('input', { name: 'key', value: field.key, required: true, 'data-path': path('key'), autocomplete: 'off' })),
    labelled('Label', h('input', { name: 'label', value: field.label, required: true, 'data-path': path('label') })),
    labelled('Type', type),
    optionsControl,
    labelled('Field description', h('input', { name: 'description', value: field.description ?? '', 'data-path': path('description') })),
    h(
      'div',
      { class: 'control check' },
      h('input', { type: 'checkbox', name: 'required', id: `req-${index}`, checked: field.required ?? false, 'data-path': path('required') }),
      h('label', { for: `req-${index}` }, 'Required'),
    ),
    h('button', { type: 'button', class: 'secondary', onClick: onRemove, 'aria-label': `Remove field ${index + 1}` }, 'Remove field'),
  );
  syncOptions();
  return row;
}

function readField(row: Element): FieldInput {
  const value = (name: string) => row.querySelector<HTMLInputElement | HTMLSelectElement>(`[name="${name}"]`)?.value ?? '';
  const type = value('type') as FieldType;
  return {
    key: value('key').trim(),
    label: value('label'),
    type,
    required: row.querySelector<HTMLInputElement>('[name="required"]')?.checked ?? false,
    description: blank(value('description')),
    // Only enum fields carry options; an empty list is sent as is, so the API names the problem.
    options: type === 'enum' ? value('options').split(',').map((o) => o.trim()).filter((o) => o !== '') : null,
  };
}

/** The create and edit form; `goal` null means a new goal (with "Generate with AI" above it). */
export async function goalFormView(root: HTMLElement, session: Session, goalId: string | null): Promise<void> {
  const agents = await loadAgents(session);
  let existing: Goal | null = null;
  const area = statusArea();
  if (goalId) {
    const answer = await call(session, { resource: 'goals', action: 'get', id: goalId });
    if (!answer.success) {
      replace(root, h('h1', { tabindex: -1 }, 'Edit goal'), area);
      return showStatus(area, describeError(answer.error), 'error');
    }
    existing = answer.data;
  }
  const draft: Draft = existing
    ? {
        agent_id: existing.agent_id,
        name: existing.name,
        description: existing.description,
        status: existing.status,
        priority: existing.priority,
        fields: existing.fields.map((f) => ({ ...f })),
        channel_id: existing.channel_id,
        tags: existing.tags,
        timezone: existing.timezone,
        targets: existing.targets.map(({ id: _id, ...t }) => t),
      }
    : { agent_id: agents[0]?.id ?? '', name: '', description: null, status: 'active', priority: null, fields: [], channel_id: null, tags: [], timezone: 'UTC', targets: [] };

  const name = h('input', { name: 'name', value: draft.name, required: true, 'data-path': 'data.name' });
  const description = h('textarea', { name: 'description', rows: 3, 'data-path': 'data.description' }, draft.description ?? '');
  const status = h('select', { name: 'status', 'data-path': 'data.status' }, GOAL_STATUSES.map((s) => h('option', { value: s, selected: s === draft.status }, s)));
  const priority = h('input', { name: 'priority', type: 'number', inputmode: 'numeric', value: draft.priority ?? '', 'data-path': 'data.priority' });
  const agent = h(
    'select',
    { name: 'agent_id', 'data-path': 'data.agent_id' },
    agents.map((a) => h('option', { value: a.id, selected: a.id === draft.agent_id }, a.owner ? `${a.name} (${a.owner.email ?? a.owner.id})` : a.name)),
  );
  const tags = h('input', { name: 'tags', value: draft.tags.join(', '), 'data-path': 'data.tags', autocomplete: 'off' });
  const timezone = h('input', { name: 'timezone', value: draft.timezone, 'data-path': 'data.timezone', autocomplete: 'off' });
  const channel = h('input', { name: 'channel_id', value: draft.channel_id ?? '', 'data-path': 'data.channel_id', autocomplete: 'off' });
  const targetRows = h('div', { class: 'field-rows' });
  const readTargets = () => [...targetRows.querySelectorAll('.target-row')].map(readTarget);
  const renderTargets = (targets: TargetInput[]) =>
    replace(
      targetRows,
      targets.map((t, i) =>
        targetRow(t, i, () => {
          const current = readTargets();
          current.splice(i, 1);
          renderTargets(current);
        }),
      ),
    );
  const rows = h('div', { class: 'field-rows' });
  const renderRows = (fields: FieldInput[]) =>
    replace(
      rows,
      fields.map((f, i) =>
        fieldRow(f, i, () => {
          const current = readFields();
          current.splice(i, 1);
          renderRows(current);
        }),
      ),
    );
  const readFields = () => [...rows.querySelectorAll('.lead-field')].map(readField);
  const splitTags = (text: string) => text.split(',').map((t) => t.trim()).filter((t) => t !== '');

  const read = (): Draft => ({
    agent_id: agent.value,
    name: name.value,
    description: blank(description.value),
    status: status.value as Status,
    priority: priority.value === '' ? null : Number(priority.value),
    fields: readFields(),
    channel_id: blank(channel.value.trim()),
    tags: splitTags(tags.value),
    timezone: timezone.value.trim(),
    targets: readTargets(),
  });

  const fill = (next: Partial<Draft>) => {
    if (next.name !== undefined) name.value = next.name;
    if (next.description !== undefined) description.value = next.description ?? '';
    if (next.status !== undefined) status.value = next.status;
    if (next.priority !== undefined) priority.value = next.priority === null ? '' : String(next.priority);
    if (next.agent_id) agent.value = next.agent_id;
    if (next.fields) renderRows(next.fields);
    if (next.tags) tags.value = next.tags.join(', ');
    if (next.targets) renderTargets(next.targets);
  };

  const save = async (e: Event) => {
    e.preventDefault();
    const data = read();
    const answer = existing
      ? await call(session, { resource: 'goals', action: 'update', id: existing.id, data })
      : await call(session, { resource: 'goals', action: 'create', data });
    if (!answer.success) return showFormError(form, area, answer.error);
    location.hash = `#/goal/${answer.data.id}`;
  };

  const form = h(
    'form',
    { class: 'goal-form', 'aria-labelledby': 'form-h', novalidate: true, onSubmit: save },
    h('h2', { id: 'form-h', tabindex: -1 }, existing ? 'Goal' : 'New goal'),
    labelled('Name', name),
    labelled('Description (the success criteria)', description),
    labelled('Agent', agent),
    labelled('Status', status),
    labelled('Priority (0–100)', priority),
    labelled('Tags (comma-separated)', tags),
    labelled('Time zone', timezone, 'An IANA name such as Europe/Paris; targets count calendar periods in it.'),
    labelled('Channel id (empty for all channels)', channel),
    h('h3', {}, 'Targets'),
    targetRows,
    h('button', { type: 'button', class: 'secondary', onClick: () => renderTargets([...readTargets(), emptyTarget()]) }, 'Add target'),
    h('h3', {}, 'Lead-info fields'),
    rows,
    h('button', { type: 'button', class: 'secondary', onClick: () => renderRows([...readFields(), emptyField()]) }, 'Add field'),
    area,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, existing ? 'Save changes' : 'Create goal'), h('a', { href: existing ? `#/goal/${existing.id}` : '#/goals' }, 'Cancel')),
  );
  renderRows(draft.fields);
  renderTargets(draft.targets);

  replace(root, h('h1', { tabindex: -1 }, existing ? `Edit ${existing.name}` : 'New goal'), existing ? null : generator(session, agent, form, fill), form);
}

/** "Generate with AI": the suggestion fills the form for review; only the form's Save creates it. */
function generator(session: Session, agent: HTMLSelectElement, goalForm: HTMLElement, fill: (d: Partial<Draft>) => void): HTMLElement {
  const area = statusArea();
  const text = h('textarea', { name: 'description', rows: 3, 'data-path': 'data.description', required: true });
  const button = h('button', { type: 'submit' }, 'Generate suggestion');
  const form = h(
    'form',
    {
      class: 'generate',
      'aria-labelledby': 'gen-h',
      novalidate: true,
      onSubmit: async (e) => {
        e.preventDefault();
        button.disabled = true;
        showStatus(area, 'Asking the AI model…');
        const answer = await call(session, {
          resource: 'goals',
          action: 'generate',
          data: { description: text.value, ...(agent.value ? { agentId: agent.value } : {}) },
        });
        button.disabled = false;
        if (!answer.success) return showFormError(form, area, answer.error);
        const { suggestion, model } = answer.data;
        fill({ ...suggestion, agent_id: suggestion.agent_id ?? agent.value });
        showStatus(area, `Suggestion from ${model} is in the form below: review it, then create the goal. Nothing is saved until then.`);
        goalForm.classList.add('reviewing');
        goalForm.querySelector<HTMLElement>('h2')?.focus();
      },
    },
    h('h2', { id: 'gen-h' }, 'Generate with AI'),
    labelled('Describe the goal in your words', text),
    button,
    area,
  );
  return form;
}
