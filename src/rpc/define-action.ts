import type { z } from 'zod';
import type { Scope } from '../auth/scopes.js';
import type { ActionContext } from './context.js';

/** Whether the envelope's `id` must be present (get, update, delete) or absent (everything else). */
export type IdRule = 'required' | 'forbidden';

/** Per-user budgets that costly actions spend on top of the general rate limit; sized from config. */
export type BudgetName = 'generate' | 'evaluate';

export interface ActionArgs<Input, Id extends IdRule> {
  id: Id extends 'required' ? string : undefined;
  data: Input;
}

export interface ActionSpec<
  R extends string = string,
  A extends string = string,
  I extends z.ZodType = z.ZodType,
  O extends z.ZodType = z.ZodType,
  Id extends IdRule = IdRule,
> {
  resource: R;
  action: A;
  /** One or two sentences for the catalog. */
  description: string;
  scope: Scope;
  id: Id;
  /** The schema of `data`: strict, documented with `.describe()`. */
  input: I;
  /** The schema of the success `data`; drives the catalog and the typed client. */
  result: O;
  /** Accepted alternate spellings of input keys: `{ agentId: 'agent_id' }`. */
  aliases?: Readonly<Record<string, string>>;
  /** Input keys that only admin mode may use (e.g. the `ownerId` filter). */
  adminOnly?: readonly string[];
  /** HTTP status of a success (201 for creations). */
  successStatus?: 200 | 201;
  /** Whether an `Idempotency-Key` header is honoured. */
  idempotent?: boolean;
  /**
   * Whether a call may overwrite or remove what exists (update, delete, detach); false for reads and
   * for writes that only add. Published as the MCP tool's `destructiveHint`; every action states it.
   */
  destructive?: boolean;
  /**
   * Whether repeating the same call changes nothing more, without any Idempotency-Key (reads,
   * update, delete, attach, detach); false for create and LLM calls. The MCP `idempotentHint`.
   */
  naturallyIdempotent?: boolean;
  /** A per-user budget that each LLM call of the action spends (429 RATE_LIMITED when empty); replays are free. */
  budget?: BudgetName;
  run(args: ActionArgs<z.output<I>, Id>, ctx: ActionContext): Promise<z.input<O> | WithStatus<z.input<O>>>;
}

/** A result that chooses its own success status, for upserts: 201 when new, 200 when it replaced. */
export class WithStatus<T> {
  constructor(
    readonly status: 200 | 201,
    readonly data: T,
  ) {}
}

/** Identity at runtime; at compile time it keeps the literal types the registry and client need. */
export const defineAction = <
  const R extends string,
  const A extends string,
  I extends z.ZodType,
  O extends z.ZodType,
  const Id extends IdRule,
>(
  spec: ActionSpec<R, A, I, O, Id>,
): ActionSpec<R, A, I, O, Id> => spec;
