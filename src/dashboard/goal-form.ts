import { h, labelled, replace } from './dom.js';
import { describeError, showFormError, showStatus, statusArea } from './errors.js';
import { GOAL_STATUSES, loadAgents, type Goal } from './goals.js';
import { call, type Input, type Session } from './session.js';

type CreateInput = Input<'goals', 'create'>;
type FieldInput = NonNullable<CreateInput['fields']>[number];
type FieldType = FieldInput['type'];
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
}

const emptyField = (): FieldInput => ({ key: '', label: '', type: 'text', required: false, description: null, options: null });

const blank = (text: string): string | null => (text.trim() === '' ? null : text);

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
    { class: 'field-row', 'data-index': index },
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
      }
    : { agent_id: agents[0]?.id ?? '', name: '', description: null, status: 'active', priority: null, fields: [] };

  const name = h('input', { name: 'name', value: draft.name, required: true, 'data-path': 'data.name' });
  const description = h('textarea', { name: 'description', rows: 3, 'data-path': 'data.description' }, draft.description ?? '');
  const status = h('select', { name: 'status', 'data-path': 'data.status' }, GOAL_STATUSES.map((s) => h('option', { value: s, selected: s === draft.status }, s)));
  const priority = h('input', { name: 'priority', type: 'number', inputmode: 'numeric', value: draft.priority ?? '', 'data-path': 'data.priority' });
  const agent = h(
    'select',
    { name: 'agent_id', 'data-path': 'data.agent_id' },
    agents.map((a) => h('option', { value: a.id, selected: a.id === draft.agent_id }, a.owner ? `${a.name} (${a.owner.email ?? a.owner.id})` : a.name)),
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
  const readFields = () => [...rows.querySelectorAll('.field-row')].map(readField);

  const read = (): Draft => ({
    agent_id: agent.value,
    name: name.value,
    description: blank(description.value),
    status: status.value as Status,
    priority: priority.value === '' ? null : Number(priority.value),
    fields: readFields(),
  });

  const fill = (next: Partial<Draft>) => {
    if (next.name !== undefined) name.value = next.name;
    if (next.description !== undefined) description.value = next.description ?? '';
    if (next.status !== undefined) status.value = next.status;
    if (next.priority !== undefined) priority.value = next.priority === null ? '' : String(next.priority);
    if (next.agent_id) agent.value = next.agent_id;
    if (next.fields) renderRows(next.fields);
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
    h('h3', {}, 'Lead-info fields'),
    rows,
    h('button', { type: 'button', class: 'secondary', onClick: () => renderRows([...readFields(), emptyField()]) }, 'Add field'),
    area,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, existing ? 'Save changes' : 'Create goal'), h('a', { href: existing ? `#/goal/${existing.id}` : '#/goals' }, 'Cancel')),
  );
  renderRows(draft.fields);

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
