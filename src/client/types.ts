import type { Api, ErrorCode, ErrorDetail } from './api.js';

// Types only, computed from `Api` (the registry's action table; see api.ts) and erased at build time.

export type { Api };
export type ResourceName = keyof Api;
export type ActionName<R extends ResourceName> = keyof Api[R] & string;

/** What `data` may hold for an action (defaults may be left out). */
export type ActionInput<R extends ResourceName, A extends ActionName<R>> = Api[R][A] extends { input: infer I } ? I : never;
/** The success `data` of an action. */
export type ActionResult<R extends ResourceName, A extends ActionName<R>> = Api[R][A] extends { result: infer O } ? O : never;

type IdPart<Rule> = Rule extends 'required'
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
} & IdPart<Api[R][A] extends { id: infer Rule } ? Rule : never> &
  DataPart<ActionInput<R, A>>;

/** Any valid envelope of the API. */
export type AnyEnvelope = {
  [R in ResourceName]: { [A in ActionName<R>]: Envelope<R, A> }[ActionName<R>];
}[ResourceName];

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
