import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, as the browser lane runs it (npm test installs it when missing and running as root). */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
];

/** `it` when the browser is installed, else `it.skip` with a message naming the test that is skipped. */
export function withChromium(what: string): jest.It {
  if (existsSync(CHROMIUM)) return it;
  process.stderr.write(
    `skipping ${what}: ${CHROMIUM} is missing (apt-get install -y chromium, or run npm test as root)\n`,
  );
  return it.skip;
}

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
