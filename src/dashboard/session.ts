import { createClient, type ActionInput, type ActionName, type ActionResult, type ApiErrorPayload, type Envelope, type GoalpostClient, type InvokeResult, type ResourceName } from '../client/index.js';

// The key is pasted once and kept for this tab only (sessionStorage), never put in a URL.
const KEY_NAME = 'goalpost.key';

export interface Session {
  client: GoalpostClient;
  /** Whether the key's user holds the admin role (checked at sign-in). */
  isAdmin: boolean;
  /** Admin mode on: every call lifts owner filters and returns owners. */
  allOwners: boolean;
}

export const storedKey = (): string | null => sessionStorage.getItem(KEY_NAME);
export const forgetKey = (): void => sessionStorage.removeItem(KEY_NAME);

const clientFor = (getToken: () => string | null): GoalpostClient =>
  createClient({ baseUrl: location.origin, getToken, retry: { retries: 1 } });

/**
 * Checks a key with one batch: a goals read (any valid key with goals:read) and the same in admin
 * mode (FORBIDDEN without the admin role). A bad key fails the whole batch with the API's error.
 */
export async function signIn(key: string): Promise<{ ok: true; session: Session } | { ok: false; error: ApiErrorPayload }> {
  const client = clientFor(() => key);
  const answer = await client.batch([
    { resource: 'goals', action: 'list', data: { limit: 1 } },
    { resource: 'goals', action: 'list', data: { limit: 1 }, admin: true },
  ] as const);
  if (!answer.success) return { ok: false, error: answer.error };
  const [own, admin] = answer.data;
  if (!own.success) return { ok: false, error: own.error };
  sessionStorage.setItem(KEY_NAME, key);
  return { ok: true, session: { client: clientFor(storedKey), isAdmin: admin.success, allOwners: false } };
}

/** A session from the key kept in this tab, re-checked (it may have been revoked meanwhile). */
export async function resume(): Promise<Session | null> {
  const key = storedKey();
  if (!key) return null;
  const result = await signIn(key);
  if (result.ok) return result.session;
  forgetKey();
  return null;
}

/** One call in the session's mode: admin mode is sent only when the admin switched it on. */
export function call<R extends ResourceName, A extends ActionName<R>>(
  session: Session,
  envelope: Envelope<R, A>,
): Promise<InvokeResult<ActionResult<R, A>>> {
  return session.client.invoke(session.allOwners ? { ...envelope, admin: true } : envelope);
}

export type Input<R extends ResourceName, A extends ActionName<R>> = ActionInput<R, A>;
export type Result<R extends ResourceName, A extends ActionName<R>> = ActionResult<R, A>;

const leaving: (() => void)[] = [];
/** Runs `stop` when the screen is left (a live stream, say). */
export const onLeave = (stop: () => void): void => void leaving.push(stop);
/** Called by the router before it renders the next screen. */
export const leave = (): void => {
  for (const stop of leaving.splice(0)) stop();
};
