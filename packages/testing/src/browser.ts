import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

/** Debian's Chromium: browsers downloaded by Playwright cannot be fetched on our machines. */
export const CHROMIUM = '/usr/bin/chromium';

/** Flags for a headless Chromium with no network of its own (the machine's network is closed). */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Launches Debian's Chromium through playwright-core. When it is not installed, the browser test
 * named by `what` is skipped with a loud warning — unless `CI` is set: CI fails instead of
 * skipping (`.ci/run` installs the `chromium` package).
 */
export async function launchChromium(what: string): Promise<Browser | undefined> {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI) throw new Error(`${CHROMIUM} is missing (CI is set): apt-get install -y chromium`);
    console.warn(`\n!!! SKIPPING ${what}: ${CHROMIUM} is missing (apt-get install -y chromium) !!!\n`);
    return undefined;
  }
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
