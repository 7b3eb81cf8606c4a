import { describe, expect, it } from 'vitest';
import { resourceNames } from '../../src/rpc/registry.js';
import { contract } from '../contract-files.js';

describe('the Worker contract list', () => {
  it.each(resourceNames())('runs the tests of the %s resource on the Worker too', (resource) => {
    expect(contract).toContain(`tests/${resource}/**/*.test.ts`);
  });
});
