import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium as launchDebianChromium } from '@kefu/testing/browser';
import { type ExampleServer, type ExampleServerInfo, type ExampleServerOptions, createExampleServer } from '../src/index.js';

/** A password every demo agent gets in tests (generated ones are covered by the restart test). */
export const DEMO_PASSWORD = 'demo-password-for-tests';
/** Cheap scrypt in tests: the cost is not what is under test here. */
export const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };

export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts the example server in-process on a free port with a fresh data directory. */
export async function startExample(options: Partial<ExampleServerOptions> = {}): Promise<{ example: ExampleServer; info: ExampleServerInfo; close(): Promise<void> }> {
  const data = tempDir('kefu-example-');
  const example = await createExampleServer({ dataDir: data.dir, port: 0, demoPassword: DEMO_PASSWORD, scrypt: FAST_SCRYPT, logLevel: 'silent', ...options });
  const info = await example.start();
  return {
    example,
    info,
    async close() {
      await example.close();
      data.remove();
    },
  };
}

/** Logs an agent in through the REST API. */
export async function login(base: string, email: string, password = DEMO_PASSWORD): Promise<string> {
  const res = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** A JSON call to the REST API as an agent. */
export async function call<T>(base: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Polls until `probe` answers something truthy (background work over real sockets). */
export async function until<T>(probe: () => Promise<T | undefined | false | null> | T | undefined | false | null, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false && v !== null) return v as T;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Debian's Chromium for the example server's browser tests (skipped loudly without it, unless CI is set). */
export const launchChromium = (): Promise<Browser | undefined> => launchDebianChromium("the example server's browser test");
