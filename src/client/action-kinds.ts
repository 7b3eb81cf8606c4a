import type { Api } from './api.js';

/** `"goals.attach"`, … : one literal per action. */
export type ActionKey = { [R in keyof Api]: `${R & string}.${keyof Api[R] & string}` }[keyof Api];

/**
 * How safe an action is to send twice. `read`: always; `idempotent`: with the same Idempotency-Key
 * the server replays the first answer; `write`: a repeat may act twice (or fail as NOT_FOUND).
 */
export type ActionKind = 'read' | 'idempotent' | 'write';

// The client cannot import the registry at run time (it would ship the server), so it keeps this
// table; the compiler demands an entry per action and a test checks each against the registry.
export const ACTION_KINDS = {
  'goals.list': 'read',
  'goals.get': 'read',
  'goals.create': 'idempotent',
  'goals.update': 'write',
  'goals.delete': 'write',
  'goals.attach': 'idempotent',
  'goals.detach': 'write',
  'goals.generate': 'idempotent',
  'goals.progress': 'read',
  'agents.list': 'read',
  'agents.get': 'read',
  'agents.create': 'idempotent',
  'agents.update': 'write',
  'agents.delete': 'write',
  'outcomes.record': 'idempotent',
  'outcomes.get': 'read',
  'outcomes.list': 'read',
  'outcomes.delete': 'write',
  'outcomes.evaluate': 'idempotent',
  'events.list': 'read',
} as const satisfies Record<ActionKey, ActionKind>;

/** An action this build of the client does not know is treated as the least safe kind. */
export function actionKind(resource: string, action: string): ActionKind {
  const key = `${resource}.${action}`;
  return Object.hasOwn(ACTION_KINDS, key) ? (ACTION_KINDS as Readonly<Record<string, ActionKind>>)[key] ?? 'write' : 'write';
}
