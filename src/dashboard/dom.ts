// A tiny DOM builder: the dashboard is a few forms and tables, which hand-written DOM code serves
// well without a UI library (nothing to download, nothing inline for the CSP to refuse).

export type Child = Node | string | number | null | undefined | false | readonly Child[];
type Handler = (event: Event) => void;
export type Props = Record<string, string | number | boolean | null | undefined | Handler>;

function append(parent: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child as readonly Child[]) append(parent, c);
    return;
  }
  parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
}

// Properties, not attributes: a form control's live value and state.
const PROPERTIES = new Set(['value', 'checked', 'selected', 'disabled']);

function apply(el: Element, props: Props): void {
  for (const [name, value] of Object.entries(props)) {
    if (typeof value === 'function') {
      el.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (PROPERTIES.has(name)) {
      (el as unknown as Record<string, unknown>)[name] = value ?? (name === 'value' ? '' : false);
    } else if (value === true) {
      el.setAttribute(name, '');
    } else if (value !== false && value !== null && value !== undefined) {
      el.setAttribute(name, String(value));
    }
  }
}

/** `h('button', { type: 'button', onClick }, 'Save')`: an element with attributes, listeners and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  apply(el, props);
  append(el, children);
  return el;
}

/** The same for SVG (charts). */
export function s<K extends keyof SVGElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  apply(el, props);
  append(el, children);
  return el;
}

export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

let ids = 0;
/** A unique id for label/control and aria-describedby pairs. */
export const uid = (prefix: string): string => `${prefix}-${++ids}`;

/** A labelled control: the label's `for` names the control, as screen readers and tests expect. */
export function labelled(text: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id || uid('c');
  control.id = id;
  const hintId = hint ? `${id}-hint` : null;
  if (hintId) {
    control.setAttribute('aria-describedby', hintId);
    control.dataset.hint = hintId;
  }
  return h('div', { class: 'control' }, h('label', { for: id }, text), control, hint ? h('span', { class: 'hint', id: hintId }, hint) : null);
}

export const formatTime = (iso: string): string => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
};

/** Previous/next page buttons over a stack of cursors; the first entry (the first page) is undefined. */
export function pagerButtons(
  cursors: (string | undefined)[],
  page: { has_more: boolean; next_cursor: string | null },
  load: () => Promise<void>,
): Child[] {
  return [
    h('button', { type: 'button', disabled: cursors.length < 2, onClick: () => (cursors.pop(), void load()) }, 'Previous page'),
    h('span', {}, `Page ${cursors.length}`),
    h(
      'button',
      {
        type: 'button',
        disabled: !page.has_more || !page.next_cursor,
        onClick: () => {
          if (page.next_cursor) cursors.push(page.next_cursor);
          void load();
        },
      },
      'Next page',
    ),
  ];
}
