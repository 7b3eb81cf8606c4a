/**
 * The Worker's gzipped bundle budget, checked by `npm run size:worker` and by a worker test.
 * 240 KiB since the MCP SDK (about +61 KiB gzipped, README "Bundle size"); 200 before.
 */
export const WORKER_BUDGET_KIB = 240;
