import type { AdminAssets } from './admin.js';

/** The dashboard's files, embedded in the Worker; the .js beside this is written by `npm run build`. */
export declare const adminAssets: AdminAssets;
