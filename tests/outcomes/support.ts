import type { Harness, TestUser } from '../support/harness.js';
import { expectOk } from '../support/expect.js';

/** Lead-info fields of every type, for value checks. */
export const FIELDS = [
  { key: 'email', label: 'Email', type: 'email', required: true },
  { key: 'contact_time', label: 'Contact time', type: 'enum', options: ['morning', 'evening'] },
  { key: 'seats', label: 'Seats', type: 'integer', required: true },
  { key: 'note', label: 'Note', type: 'text' },
];

export async function goalWithFields(h: Harness, user: TestUser, extra: Record<string, unknown> = {}) {
  return h.makeGoal(user, { fields: FIELDS, ...extra });
}

export const record = (user: TestUser, data: Record<string, unknown>, headers?: Record<string, string>) =>
  user.invoke({ resource: 'outcomes', action: 'record', data }, headers ? { headers } : {});

export async function recorded(user: TestUser, data: Record<string, unknown>): Promise<any> {
  const reply = await record(user, data);
  if (reply.status !== 200 && reply.status !== 201) expectOk(reply, 201);
  return reply.body.data;
}
