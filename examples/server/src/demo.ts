import { randomBytes } from 'node:crypto';
import type { Agent, KefuApp, RouterOptions } from '@kefu/core';
import type { KefuServer } from '@kefu/server';

/** A demo team. */
export interface DemoTeam {
  id: string;
  name: string;
}

/** A demo agent (without its password). */
export type DemoAgent = Pick<Agent, 'id' | 'name' | 'email' | 'role' | 'teams' | 'skills' | 'languages' | 'capacity'> & { title: string };

/** A demo login as printed at start. */
export interface DemoLogin {
  email: string;
  password: string;
  name: string;
  role: Agent['role'];
  title: string;
}

/** 售前 and 售后: product questions vs. orders, deliveries and returns. */
export const DEMO_TEAMS: DemoTeam[] = [
  { id: 'pre-sales', name: '售前 Pre-sales' },
  { id: 'after-sales', name: '售后 After-sales' },
];

/**
 * The demo staff. The admin and the supervisor belong to no team on purpose: the router offers
 * team conversations to team members, and they watch every queue and pick up what waits.
 */
export const DEMO_AGENTS: DemoAgent[] = [
  { id: 'admin', name: '林晓 Lin Xiao', email: 'admin@kefu.demo', role: 'admin', teams: [], skills: {}, languages: ['zh', 'en'], capacity: 5, title: 'admin' },
  { id: 'chen', name: '陈静 Chen Jing', email: 'supervisor@kefu.demo', role: 'supervisor', teams: [], skills: { vip: 5, coupons: 5 }, languages: ['zh', 'en'], capacity: 5, title: 'supervisor' },
  { id: 'wang', name: '王芳 Wang Fang', email: 'wang@kefu.demo', role: 'agent', teams: ['pre-sales'], skills: { phones: 5, headphones: 4 }, languages: ['zh'], capacity: 6, title: 'pre-sales: phones, headphones' },
  { id: 'emma', name: 'Emma Zhou', email: 'emma@kefu.demo', role: 'agent', teams: ['pre-sales'], skills: { coupons: 5, beauty: 4, baby: 3 }, languages: ['en', 'zh'], capacity: 6, title: 'pre-sales: checkout & coupons, English' },
  { id: 'li', name: '李强 Li Qiang', email: 'li@kefu.demo', role: 'agent', teams: ['after-sales'], skills: { returns: 5, logistics: 4 }, languages: ['zh'], capacity: 8, title: 'after-sales: returns, deliveries' },
];

/**
 * The demo routing: VIPs first (queue priority) and to senior skills, the product page to
 * pre-sales, the checkout to a coupon-minded pre-sales agent (overflowing to after-sales after a
 * minute), order pages and the mail/SMS/WeChat channels to after-sales, English to an English speaker.
 */
export const DEMO_ROUTER: RouterOptions = {
  tierPriority: { vip: 20, partner: 5 },
  rules: [
    { name: 'vip-checkout', match: { tier: 'vip', pageType: 'checkout' }, target: { teamId: 'pre-sales', skills: ['coupons'], minSkillLevel: 4, overflow: { afterMs: 30_000, teamId: 'after-sales' } }, priority: 30 },
    { name: 'checkout-coupons', match: { pageType: 'checkout' }, target: { teamId: 'pre-sales', skills: ['coupons'], overflow: { afterMs: 60_000, teamId: 'after-sales' } }, priority: 10 },
    { name: 'english-pre-sales', match: { language: 'en', pageType: ['product', 'home', 'help'] }, target: { teamId: 'pre-sales', language: 'en' } },
    { name: 'product-pre-sales', match: { pageType: ['product', 'home'] }, target: { teamId: 'pre-sales' } },
    { name: 'order-after-sales', match: { pageType: 'order' }, target: { teamId: 'after-sales' } },
    { name: 'channels-after-sales', match: { channel: ['wechat', 'email', 'sms', 'phone'] }, target: { teamId: 'after-sales', overflow: { afterMs: 120_000, teamId: 'pre-sales' } } },
  ],
};

const LOGINS_NAMESPACE = 'example-server';
const LOGINS_KEY = 'demo-logins';

/** A readable random password: `kefu-` and three groups of four characters. */
function generatePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(12);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
  return `kefu-${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;
}

/**
 * Seeds teams and agents (idempotent) and sets each demo agent's password the first time. The
 * logins are kept in the store next to the password hashes, so a restart prints the same ones
 * and a fresh data directory gets new ones.
 */
export async function seedDemo(app: KefuApp, server: KefuServer, options: { demoPassword?: string } = {}): Promise<DemoLogin[]> {
  for (const team of DEMO_TEAMS) await app.store.upsertTeam({ ...team, tenantId: 'default', attributes: {} });
  const existing = new Map((await app.agents.list()).map((a) => [a.id, a]));
  const saved = (await app.store.kvGet<Record<string, string>>(LOGINS_NAMESPACE, LOGINS_KEY)) ?? {};
  const logins: DemoLogin[] = [];
  let changed = false;
  for (const { title, ...agent } of DEMO_AGENTS) {
    // Keep what an admin changed since (presence, capacity, teams) on an existing agent.
    if (!existing.has(agent.id)) await app.agents.upsert({ ...agent, attributes: { demo: true } });
    let password = options.demoPassword ?? saved[agent.id];
    if (!password || password !== saved[agent.id]) {
      password ??= generatePassword();
      await server.agentsAuth.setPassword('default', agent.id, password);
      saved[agent.id] = password;
      changed = true;
    }
    logins.push({ email: agent.email!, password, name: agent.name, role: agent.role, title });
  }
  if (changed) await app.store.kvSet(LOGINS_NAMESPACE, LOGINS_KEY, saved);
  return logins;
}
