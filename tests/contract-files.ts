/**
 * The contract: these run against the Node app and against the Worker in workerd.
 * tests/rpc/contract-files.node.test.ts fails when a registered resource's folder is missing here.
 */
export const contract = [
  'tests/rpc/**/*.test.ts',
  'tests/goals/**/*.test.ts',
  'tests/agents/**/*.test.ts',
  'tests/outcomes/**/*.test.ts',
  'tests/auth/**/*.test.ts',
  'tests/http/admin.test.ts',
  'tests/mcp/**/*.test.ts',
  'tests/db/atomic.test.ts',
  'tests/db/ownership-integrity.test.ts',
  'tests/events/**/*.test.ts',
];
