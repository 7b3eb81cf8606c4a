import { agentsView } from './agents.js';
import { h, labelled, replace } from './dom.js';
import { describeError, showStatus, statusArea } from './errors.js';
import { goalFormView } from './goal-form.js';
import { goalsView, goalView } from './goals.js';
import { outcomesView } from './outcomes.js';
import { forgetKey, leave, resume, signIn, type Session } from './session.js';

const header = document.getElementById('top');
const main = document.getElementById('main');
let session: Session | null = null;

const UUID = '[0-9a-f-]{36}';
/** Hash routes: the key never goes in a URL, and a reload keeps the screen. */
const routes: [RegExp, (root: HTMLElement, s: Session, id: string) => Promise<void>][] = [
  [/^#\/goals\/new$/, (root, s) => goalFormView(root, s, null)],
  [new RegExp(`^#/goal/(${UUID})/edit$`), (root, s, id) => goalFormView(root, s, id)],
  [new RegExp(`^#/goal/(${UUID})$`), (root, s, id) => goalView(root, s, id)],
  [/^#\/agents$/, (root, s) => agentsView(root, s)],
  [new RegExp(`^#/outcomes(?:\\?goal=(${UUID}))?$`), (root, s, id) => outcomesView(root, s, id)],
  [/^#\/goals$/, (root, s) => goalsView(root, s)],
];

function renderHeader(): void {
  if (!header) return;
  if (!session) return replace(header, h('p', { class: 'brand' }, 'Goalpost admin'));
  const current = session;
  const toggle = current.isAdmin
    ? h(
        'div',
        { class: 'control check' },
        h('input', {
          type: 'checkbox',
          id: 'all-owners',
          checked: current.allOwners,
          onChange: (e) => {
            current.allOwners = (e.target as HTMLInputElement).checked;
            void route();
          },
        }),
        h('label', { for: 'all-owners' }, 'All owners (admin mode)'),
      )
    : null;
  replace(
    header,
    h('p', { class: 'brand' }, 'Goalpost admin'),
    h(
      'nav',
      { 'aria-label': 'Main' },
      h('a', { href: '#/goals' }, 'Goals'),
      h('a', { href: '#/goals/new' }, 'New goal'),
      h('a', { href: '#/agents' }, 'Agents'),
      h('a', { href: '#/outcomes' }, 'Outcomes'),
    ),
    toggle,
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        onClick: () => {
          forgetKey();
          session = null;
          location.hash = '';
          void route();
        },
      },
      'Sign out',
    ),
  );
}

function signInView(root: HTMLElement): void {
  const area = statusArea();
  const key = h('input', { type: 'password', name: 'key', autocomplete: 'off', required: true, spellcheck: false });
  const form = h(
    'form',
    {
      class: 'sign-in',
      'aria-labelledby': 'sign-in-h',
      // POST, never GET: a key must not end up in the address bar even if the script failed.
      method: 'post',
      action: '/admin',
      onSubmit: async (e) => {
        e.preventDefault();
        showStatus(area, 'Checking the key…');
        const result = await signIn(key.value.trim());
        if (!result.ok) {
          showStatus(area, describeError(result.error), 'error');
          key.focus();
          return;
        }
        session = result.session;
        if (!location.hash || location.hash === '#/') location.hash = '#/goals';
        else void route();
      },
    },
    h('h1', { id: 'sign-in-h', tabindex: -1 }, 'Sign in'),
    h('p', {}, 'Paste an API key (it starts with gp_). It is kept in this tab only and sent in the Authorization header.'),
    labelled('API key', key),
    h('button', { type: 'submit' }, 'Sign in'),
    area,
  );
  replace(root, form);
  key.focus();
}

async function route(): Promise<void> {
  if (!main) return;
  leave();
  renderHeader();
  if (!session) return signInView(main);
  const hash = location.hash || '#/goals';
  for (const [pattern, view] of routes) {
    const match = pattern.exec(hash);
    if (!match) continue;
    main.setAttribute('aria-busy', 'true');
    try {
      await view(main, session, match[1] ?? '');
    } catch (err) {
      const area = statusArea();
      replace(main, h('h1', { tabindex: -1 }, 'Something went wrong'), area);
      showStatus(area, err instanceof Error ? err.message : String(err), 'error');
    }
    main.removeAttribute('aria-busy');
    // Move focus to the new screen's heading, for keyboard and screen-reader users.
    main.querySelector<HTMLElement>('h1')?.focus();
    return;
  }
  const area = statusArea();
  replace(main, h('h1', { tabindex: -1 }, 'Not found'), area);
  showStatus(area, `No screen at ${hash}.`, 'error');
}

window.addEventListener('hashchange', () => void route());
void (async () => {
  session = await resume();
  await route();
})();
