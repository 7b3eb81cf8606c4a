import type { z } from 'zod';
import type { IdRule } from '../rpc/define-action.js';
import type { ErrorCode, ErrorDetail } from '../rpc/errors.js';
import type { AnyAction } from '../rpc/registry.js';

// Types only: everything here is computed from the server's registry and erased at build time,
// so the client bundle carries no server code.

/** Every action by resource and name: `Api['goals']['create']` is that action's spec type. */
export type Api = {
  [R in AnyAction['resource']]: { [S in Extract<AnyAction, { resource: R }> as S['action']]: S };
};
export type ResourceName = keyof Api;
export type ActionName<R extends ResourceName> = keyof Api[R] & string;

type InputSchema<S> = S extends { input: infer I extends z.ZodType } ? I : never;
type ResultSchema<S> = S extends { result: infer O extends z.ZodType } ? O : never;
type IdRuleOf<S> = S extends { id: infer Rule extends IdRule } ? Rule : never;

/** What `data` may hold for an action (defaults may be left out). */
export type ActionInput<R extends ResourceName, A extends ActionName<R>> = z.input<InputSchema<Api[R][A]>>;
/** The success `data` of an action. */
export type ActionResult<R extends ResourceName, A extends ActionName<R>> = z.output<ResultSchema<Api[R][A]>>;

type IdPart<Rule extends IdRule> = Rule extends 'required'
  ? { /** The record's UUID. */ id: string }
  : { id?: undefined };

// Actions whose every input key is optional may leave `data` out.
type DataPart<Input> = {} extends Input ? { data?: Input } : { data: Input };

/** One call of POST /invoke, as the action's types allow it. */
export type Envelope<R extends ResourceName, A extends ActionName<R>> = {
  resource: R;
  action: A;
  /** Admin mode: needs the admin role; lifts owner filters and adds `owner`. */
  admin?: boolean;
} & IdPart<IdRuleOf<Api[R][A]>> &
  DataPart<ActionInput<R, A>>;

/** Any valid envelope of the API. */
export type AnyEnvelope = AnyAction extends infer S
  ? S extends { resource: infer R extends ResourceName; action: infer A extends string }
    ? A extends ActionName<R>
      ? Envelope<R, A>
      : never
    : never
  : never;

/** Codes the client reports when no Goalpost answer arrived. */
export type ClientErrorCode =
  /** No response: the connection failed, was cut, or the attempt timed out. */
  | 'NETWORK_ERROR'
  /** A response that is not a Goalpost body (a proxy's error page, say). */
  | 'BAD_RESPONSE';

export interface ApiErrorPayload {
  code: ErrorCode | ClientErrorCode;
  message: string;
  retryable: boolean;
  details?: ErrorDetail[];
  request_id: string;
}

export type SuccessBody<T> = { success: true; data: T };
export type FailureBody = { success: false; error: ApiErrorPayload };
/** What `invoke` resolves to: the server's body, or a client-made failure in the same shape. */
export type InvokeResult<T> = SuccessBody<T> | FailureBody;

/** The result of one batch item, from its envelope type. */
export type ItemResult<E> = E extends { resource: infer R extends ResourceName; action: infer A }
  ? A extends ActionName<R>
    ? InvokeResult<ActionResult<R, A>>
    : never
  : never;
