import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (never a downloaded browser); CHROMIUM_PATH points elsewhere. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const INSTALL_HINT = 'apt-get install -y chromium';

/**
 * Whether the browser tests can run here. Missing browser: one line and a skip, except under CI=true,
 * where it is a failure (CI installs it in .ci/run).
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') throw new Error(`No Chromium at ${CHROMIUM} under CI=true: run \`${INSTALL_HINT}\`.`);
  console.log(`Skipping the dashboard's browser tests: no Chromium at ${CHROMIUM} (install it with \`${INSTALL_HINT}\`).`);
  return false;
}

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: ['--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });

export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions, in order. */
  errors: string[];
  /** Every URL the page asked for, local or not. */
  requests: string[];
  /** Requests to any host but the server's, refused before they left. */
  foreign: string[];
}

/**
 * A page that may talk only to `origin`: every other request is aborted and recorded, and every
 * console error or page exception is kept for the tests to assert on.
 */
export async function watchedPage(browser: Browser, origin: string, viewport = { width: 1280, height: 900 }): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport });
  const watched: Omit<WatchedPage, 'page'> = { context, errors: [], requests: [], foreign: [] };
  await context.route('**/*', (route) => {
    const url = route.request().url();
    watched.requests.push(url);
    if (new URL(url).origin === origin) return route.continue();
    watched.foreign.push(url);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error') watched.errors.push(msg.text());
  });
  page.on('pageerror', (err) => watched.errors.push(`uncaught: ${err.message}`));
  return { ...watched, page };
}

export const SCREENSHOTS = 'tests/.screenshots';

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
}
