/** How the harness talks to the Worker under test (worker-entry.ts), beyond plain requests. */

/** Carries a TestClock's reading between the harness and the Worker, both ways. */
export const CLOCK_HEADER = 'x-goalpost-test-clock';

/** Where the harness's own queries (factories, snapshots) reach the Worker's D1 binding. */
export const D1_BRIDGE_PATH = '/__test/d1';

/** How many statements the Worker under test has prepared on D1 so far (the bridge's own are not counted). */
export const D1_STATEMENTS_PATH = '/__test/d1-statements';

export interface BridgeRequest {
  statements: { sql: string; params: unknown[] }[];
  /** One D1 batch (a transaction) rather than a single statement's all(). */
  atomic: boolean;
}
