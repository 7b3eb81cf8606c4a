import type { z } from 'zod';
import type { ErrorCode, ErrorDetail } from '../rpc/errors.js';
import type { AnyAction } from '../rpc/registry.js';

// The one client file that reads the server's types (erased at build time). `npm run pack:client`
// swaps it for a file generated from the catalog's JSON Schemas, so the package needs nothing else.

export type { ErrorCode, ErrorDetail };

type InputSchema<S> = S extends { input: infer I extends z.ZodType } ? I : never;
type ResultSchema<S> = S extends { result: infer O extends z.ZodType } ? O : never;

/** Every action by resource and name: whether it takes an `id`, what `data` may hold, what it returns. */
export type Api = {
  [R in AnyAction['resource']]: {
    [S in Extract<AnyAction, { resource: R }> as S['action']]: {
      id: S['id'];
      input: z.input<InputSchema<S>>;
      result: z.output<ResultSchema<S>>;
    };
  };
};
