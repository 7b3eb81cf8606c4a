import { h, labelled, replace } from './dom.js';
import { showFormError, showStatus, statusArea } from './errors.js';
import { cell, type Goal } from './goals.js';
import { show } from './outcomes.js';
import { call, type Result, type Session } from './session.js';

type Field = Goal['fields'][number];
type Evaluated = Result<'outcomes', 'evaluate'>;

/** The verdict, each field's status with its value and quote, and what is missing. */
function evaluationResult(result: Evaluated, fields: readonly Field[]): HTMLElement {
  const e = result.evaluation;
  const label = new Map(fields.map((f) => [f.key, f.label]));
  return h(
    'section',
    { class: 'evaluation', 'aria-labelledby': 'verdict-h' },
    h('h3', { id: 'verdict-h', tabindex: -1 }, 'Verdict: ', h('span', { class: 'verdict' }, e.verdict.replace('_', ' '))),
    h('p', {}, `Confidence ${Math.round(e.confidence * 100)}% (model ${result.model}). ${e.rationale}`),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'stack' },
        h('caption', {}, 'Fields'),
        h('thead', {}, h('tr', {}, ['Field', 'Status', 'Value', 'Quote', 'Reason'].map((t) => h('th', { scope: 'col' }, t)))),
        h(
          'tbody',
          {},
          Object.entries(e.fields).map(([key, f]) =>
            h(
              'tr',
              { 'data-field': key },
              cell('Field', label.get(key) ?? key),
              cell('Status', h('span', { class: `badge badge-${f.status}` }, f.status)),
              cell('Value', show(f.value)),
              cell('Quote', f.quote ? h('q', {}, f.quote) : '—'),
              cell('Reason', f.reason ? f.reason.replaceAll('_', ' ') : '—'),
            ),
          ),
        ),
      ),
    ),
    e.missing_required.length ? h('p', {}, `Required but not collected: ${e.missing_required.join(', ')}`) : null,
    h('p', {}, result.outcome ? `Recorded as outcome of conversation ${result.outcome.conversation_id}.` : 'Not recorded.'),
  );
}

/** Paste a transcript, pick the goal, and see how the AI model judged it (recorded unless unticked). */
export function evaluateForm(session: Session, goals: readonly Goal[], goalId: string, reload: () => void): HTMLElement {
  const area = statusArea();
  const result = h('div');
  const usable = goals.filter((g) => g.status !== 'archived');
  const goal = h('select', { name: 'goal_id', 'data-path': 'data.goal_id' }, usable.map((g) => h('option', { value: g.id, selected: g.id === goalId }, g.name)));
  const conversation = h('input', { name: 'conversation_id', required: true, 'data-path': 'data.conversation_id', autocomplete: 'off' });
  const transcript = h('textarea', { name: 'transcript', rows: 8, required: true, 'data-path': 'data.transcript' });
  const record = h('input', { type: 'checkbox', name: 'record', id: 'eval-record', checked: true, 'data-path': 'data.record' });
  const button = h('button', { type: 'submit' }, 'Evaluate');
  const form: HTMLFormElement = h(
    'form',
    {
      class: 'evaluate',
      'aria-labelledby': 'evaluate-h',
      novalidate: true,
      onSubmit: async (e) => {
        e.preventDefault();
        button.disabled = true;
        showStatus(area, 'Asking the AI model…');
        replace(result);
        const answer = await call(session, {
          resource: 'outcomes',
          action: 'evaluate',
          data: { goal_id: goal.value, conversation_id: conversation.value.trim(), transcript: transcript.value, record: record.checked },
        });
        button.disabled = false;
        if (!answer.success) return showFormError(form, area, answer.error);
        showFormError(form, area, null);
        const fields = goals.find((g) => g.id === goal.value)?.fields ?? [];
        replace(result, evaluationResult(answer.data, fields));
        result.querySelector<HTMLElement>('h3')?.focus();
        if (answer.data.outcome) reload();
      },
    },
    h('h2', { id: 'evaluate-h' }, 'Evaluate a transcript'),
    labelled('Goal to judge against', goal),
    labelled('Conversation id', conversation),
    labelled('Transcript', transcript, 'Paste the conversation as text.'),
    h('div', { class: 'control check' }, record, h('label', { for: 'eval-record' }, 'Record the result as an outcome')),
    button,
    area,
  );
  return h('div', {}, form, result);
}
