import type { ApiErrorPayload } from '../client/index.js';
import { h, replace, uid } from './dom.js';

/** The API's error as a sentence, with its request id for a support ticket. */
export const describeError = (error: ApiErrorPayload): string => `${error.message} (${error.code}, request ${error.request_id})`;

/** A live region that announces errors and results to screen readers as they appear. */
export function statusArea(): HTMLElement {
  return h('div', { class: 'status', role: 'status', 'aria-live': 'polite' });
}

export function showStatus(area: HTMLElement, text: string, kind: 'error' | 'ok' = 'ok'): void {
  area.className = `status ${kind}`;
  area.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  replace(area, text);
}

function clearFieldErrors(form: HTMLElement): void {
  for (const el of form.querySelectorAll('.field-error')) el.remove();
  for (const el of form.querySelectorAll<HTMLElement>('[aria-invalid]')) {
    el.removeAttribute('aria-invalid');
    // Back to the control's own hint, if it has one.
    if (el.dataset.hint) el.setAttribute('aria-describedby', el.dataset.hint);
    else el.removeAttribute('aria-describedby');
  }
}

/**
 * The control a detail path names: `data.fields.2.key` is the input marked with that data-path; a
 * deeper path (`data.fields.2.options.1`) falls back to the nearest marked parent.
 */
function controlFor(form: HTMLElement, path: string): HTMLElement | null {
  const parts = path.split('.');
  while (parts.length > 0) {
    const el = form.querySelector<HTMLElement>(`[data-path="${CSS.escape(parts.join('.'))}"]`);
    if (el) return el;
    parts.pop();
  }
  return null;
}

/**
 * Shows an API error on a form: each validation detail next to the control it names (marked invalid
 * and described by the message), the rest in the form's summary; focus goes to the first bad control.
 */
export function showFormError(form: HTMLElement, summary: HTMLElement, error: ApiErrorPayload | null): void {
  clearFieldErrors(form);
  if (!error) {
    replace(summary);
    summary.className = 'status';
    return;
  }
  const unplaced: string[] = [];
  let first: HTMLElement | null = null;
  for (const detail of error.details ?? []) {
    const control = controlFor(form, detail.path);
    if (!control) {
      unplaced.push(`${detail.path}: ${detail.message}`);
      continue;
    }
    const id = uid('err');
    const note = h('p', { class: 'field-error', id, 'data-error-for': detail.path }, detail.message);
    control.setAttribute('aria-invalid', 'true');
    const described = control.getAttribute('aria-describedby');
    control.setAttribute('aria-describedby', described ? `${described} ${id}` : id);
    control.insertAdjacentElement('afterend', note);
    first ??= control;
  }
  showStatus(summary, [describeError(error), ...unplaced].join(' — '), 'error');
  first?.focus();
}
