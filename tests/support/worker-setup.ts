import { afterAll } from 'vitest';
import { disposeWorkers } from './miniflare.js';

// Every Miniflare a test file starts (one per harness) stops with the file.
afterAll(disposeWorkers);
