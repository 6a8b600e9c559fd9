/**
 * A real @kefu/server around a memory store and test channels, serving a freshly built console
 * at /console/. Shared by the browser test and the screenshot script.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, type KefuApp, type RouterOptions, createApp, createMemoryStore, systemClock } from '@kefu/core';
import { type KefuServer, createServer } from '@kefu/server';
import { type TestAdapter, createTestAdapter } from '@kefu/testing';
import type { Browser } from 'playwright-core';
import { launchChromium as launchDebianChromium } from '@kefu/testing/browser';
import pino from 'pino';
import { buildConsole } from '../src/index.js';

export const PASSWORD = 'kefu-demo-pass';

export interface ConsoleHarness {
  app: KefuApp;
  server: KefuServer;
  url: string;
  consoleUrl: string;
  channels: Record<string, TestAdapter>;
  /** Milliseconds the app's clock runs behind real time: seeds conversations "minutes ago". */
  clock: { behindMs: number };
  close(): Promise<void>;
}

/** Agents of the harness: alice and bob (agents), sue (supervisor). */
export const AGENTS = [
  { id: 'alice', name: 'Alice Chen', email: 'alice@shop.example', role: 'agent', teams: ['presales'] },
  { id: 'bob', name: 'Bob Li', email: 'bob@shop.example', role: 'agent', teams: ['aftersales'] },
  { id: 'sue', name: 'Sue Wang', email: 'sue@shop.example', role: 'supervisor', teams: [] },
] as const;

/** Starts the harness; `setup` registers extra plugins (commerce, cards, workspace) before the server starts. */
export async function startConsoleServer(options: { channels?: string[]; router?: RouterOptions; setup?: (app: KefuApp) => void } = {}): Promise<ConsoleHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'kefu-console-'));
  const consoleDir = await buildConsole({ outDir: dir, force: true, minify: false });
  const behind = { behindMs: 0 };
  const clock: Clock = { ...systemClock, now: () => Date.now() - behind.behindMs };
  const app = createApp({ store: createMemoryStore(), clock, ...(options.router ? { router: options.router } : {}) });
  const channels: Record<string, TestAdapter> = {};
  for (const channel of options.channels ?? ['web']) {
    channels[channel] = createTestAdapter({ channel, capabilities: { typing: true, images: true, cards: true } });
    app.adapter(channels[channel]);
  }
  options.setup?.(app);
  const server = createServer({
    app,
    port: 0,
    jwtSecret: 'console-test-secret-long-enough',
    logger: pino({ level: 'silent' }),
    scrypt: { N: 1024, r: 8, p: 1 },
    static: [{ prefix: '/console', dir: consoleDir }],
  });
  const { url } = await server.start();
  await app.store.upsertTeam({ id: 'presales', tenantId: 'default', name: 'Pre-sales', attributes: {} });
  await app.store.upsertTeam({ id: 'aftersales', tenantId: 'default', name: 'After-sales', attributes: {} });
  for (const a of AGENTS) {
    await app.agents.upsert({ id: a.id, name: a.name, email: a.email, role: a.role, teams: [...a.teams], skills: {}, languages: ['en', 'zh'], capacity: 5 });
    await server.agentsAuth.setPassword('default', a.id, PASSWORD);
  }
  return {
    app,
    server,
    url,
    consoleUrl: `${url}/console/`,
    channels,
    clock: behind,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Debian's Chromium for the console's browser tests (skipped loudly without it, unless CI is set). */
export const launchChromium = (): Promise<Browser | undefined> => launchDebianChromium('the console browser test');
