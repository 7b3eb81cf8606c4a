/** How the harness talks to the Worker under test (worker-entry.ts), beyond plain requests. */

/** Carries a TestClock's reading between the harness and the Worker, both ways. */
export const CLOCK_HEADER = 'x-goalpost-test-clock';

/** Where the harness's own queries (factories, snapshots) reach the Worker's D1 binding. */
export const D1_BRIDGE_PATH = '/__test/d1';

export interface BridgeRequest {
  statements: { sql: string; params: unknown[] }[];
  /** One D1 batch (a transaction) rather than a single statement's all(). */
  atomic: boolean;
}
