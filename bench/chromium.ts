/**
 * Debian's chromium driven by playwright-core, for the browser tests (test/web_*.test.ts) and the
 * browser benchmark: a fresh profile per launch, no network chatter (the machines have no internet).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { BrowserContext } from 'playwright-core';

/** The browser binary: CHROMIUM_PATH, else Debian's /usr/bin/chromium (apt-get install chromium). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags every launch gets: root needs --no-sandbox; the rest stop background requests to the internet. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** True when the browser binary is there. */
export function chromiumAvailable(): boolean {
  return fs.existsSync(CHROMIUM_PATH);
}

/** Options for `launchChromium`. */
export interface LaunchOptions {
  /** Extra command-line flags (e.g. SwiftShader for WebGL). */
  args?: string[];
  viewport?: { width: number; height: number };
  /** A phone: touch events and a mobile viewport. */
  mobile?: boolean;
}

/** A headless chromium with a fresh profile; `close` also deletes the profile. */
export async function launchChromium(opts: LaunchOptions = {}): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  if (!chromiumAvailable()) throw new Error(`no chromium at ${CHROMIUM_PATH}: install it (Debian: apt-get install chromium) or set CHROMIUM_PATH`);
  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'hwr-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(opts.args ?? [])],
    viewport: opts.viewport ?? { width: 1000, height: 800 },
    hasTouch: !!opts.mobile,
    isMobile: !!opts.mobile,
    deviceScaleFactor: 1,
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
