import { createHash, timingSafeEqual } from 'node:crypto';
import { type Agent, DEFAULT_TENANT, ErrorCodes, type KefuApp, KefuError } from '@kefu/core';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { type CredentialStore, openCredentialStore } from './credentials.js';
import { forbidden, unauthorized } from './errors.js';
import { type ScryptParams, defaultScryptParams, hashPassword, verifyPassword } from './passwords.js';

/** Agent roles, weakest first: each role may do everything the one before it may. */
export type Role = Agent['role'];

const rank: Record<Role, number> = { agent: 0, supervisor: 1, admin: 2 };

/** True when `role` is at least `needed`. */
export function roleAtLeast(role: Role, needed: Role): boolean {
  return rank[role] >= rank[needed];
}

/** A server-to-server key (`X-Api-Key`). */
export interface ApiKey {
  key: string;
  /** Shown in logs and as the author id of messages sent with the key. */
  name: string;
  /** Default: `default`. */
  tenantId?: string;
  /** Default: `admin`. */
  role?: Role;
}

/** Who is calling: an agent (JWT) or a service (API key). Every route is scoped to `tenantId`. */
export type Principal =
  | { kind: 'agent'; tenantId: string; role: Role; agent: Agent }
  | { kind: 'apiKey'; tenantId: string; role: Role; name: string };

/** Claims of an agent JWT. */
export interface AgentTokenClaims {
  sub: string;
  tid: string;
  role: Role;
  iat: number;
  exp: number;
}

/** Options of {@link createAgentsAuth}. */
export interface AgentsAuthOptions {
  app: KefuApp;
  jwtSecret: string | Uint8Array;
  apiKeys?: ApiKey[];
  /** Agent token lifetime in seconds. Default 12 h. */
  tokenTtlSeconds?: number;
  /** scrypt cost; lower it only in tests. */
  scrypt?: ScryptParams;
}

/** Agent login, passwords, tokens and API keys. */
export interface AgentsAuth {
  /** Sets (or replaces) an agent's password. The agent must exist; call after `server.start()`. */
  setPassword(tenantId: string, agentId: string, password: string): Promise<void>;
  /** Checks e-mail + password; answers the agent and a signed token, or throws `KEFU_UNAUTHORIZED`. */
  login(email: string, password: string, tenantId?: string): Promise<{ token: string; agent: Agent }>;
  /** Signs an agent token (12 h by default). */
  issueToken(agent: Agent): Promise<string>;
  /** Verifies a token and loads its agent, or throws `KEFU_UNAUTHORIZED`. */
  verifyToken(token: string): Promise<{ agent: Agent; claims: AgentTokenClaims }>;
  /** The principal of an `X-Api-Key` value, or undefined. Constant-time over the configured keys. */
  verifyApiKey(key: string): Principal | undefined;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Creates the server's auth: scrypt password hashes (node:crypto, random salt, timing-safe
 * compare), HS256 agent JWTs via `jose` (claims `sub`, `tid`, `role`, `iat`, `exp`), and API keys.
 */
export function createAgentsAuth(options: AgentsAuthOptions): AgentsAuth {
  const { app } = options;
  if (!options.jwtSecret || (typeof options.jwtSecret === 'string' && options.jwtSecret.length < 16)) {
    throw new KefuError(ErrorCodes.INVALID_INPUT, 'jwtSecret must be at least 16 characters');
  }
  const secret = typeof options.jwtSecret === 'string' ? new TextEncoder().encode(options.jwtSecret) : options.jwtSecret;
  const ttl = options.tokenTtlSeconds ?? 12 * 3600;
  const params = options.scrypt ?? defaultScryptParams;
  const keys = (options.apiKeys ?? []).map((k) => ({ ...k, hash: digest(k.key) }));
  let credentials: Promise<CredentialStore> | undefined;
  const creds = () => {
    if (app.state !== 'started' && app.state !== 'starting') throw new KefuError(ErrorCodes.NOT_STARTED, 'Agent credentials are available once the server has started');
    credentials ??= openCredentialStore(app.store, () => app.clock.now());
    return credentials;
  };
  // Verifying against this when no agent matches keeps "unknown e-mail" as slow as "bad password".
  let dummyHash: Promise<string> | undefined;

  const auth: AgentsAuth = {
    async setPassword(tenantId, agentId, password) {
      if (typeof password !== 'string' || password.length < 8) throw new KefuError(ErrorCodes.INVALID_INPUT, 'A password needs at least 8 characters');
      const agent = await app.store.getAgent(tenantId, agentId);
      if (!agent) throw new KefuError(ErrorCodes.NOT_FOUND, `No agent "${agentId}" in tenant "${tenantId}"`);
      await (await creds()).set(tenantId, agentId, await hashPassword(password, params));
    },
    async login(email, password, tenantId) {
      const wanted = email.trim().toLowerCase();
      const candidates = (await app.store.listAgents(tenantId)).filter((a) => a.email?.toLowerCase() === wanted);
      const store = await creds();
      for (const agent of candidates) {
        const hash = await store.get(agent.tenantId, agent.id);
        if (hash && (await verifyPassword(password, hash))) return { token: await auth.issueToken(agent), agent };
      }
      if (candidates.length === 0) {
        dummyHash ??= hashPassword('not-a-real-password', params);
        await verifyPassword(password, await dummyHash);
      }
      throw unauthorized('Wrong e-mail or password');
    },
    async issueToken(agent) {
      const iat = Math.floor(app.clock.now() / 1000);
      return new SignJWT({ tid: agent.tenantId, role: agent.role })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(agent.id)
        .setIssuedAt(iat)
        .setExpirationTime(iat + ttl)
        .sign(secret);
    },
    async verifyToken(token) {
      let claims: AgentTokenClaims;
      try {
        const { payload } = await jwtVerify(token, secret, { algorithms: ['HS256'], currentDate: new Date(app.clock.now()), requiredClaims: ['sub', 'exp', 'iat'] });
        if (typeof payload.tid !== 'string' || typeof payload.role !== 'string') throw unauthorized('The token lacks tenant or role claims');
        claims = payload as unknown as AgentTokenClaims;
      } catch (error) {
        if (error instanceof joseErrors.JWTExpired) throw unauthorized('The token has expired');
        throw unauthorized('The token is invalid');
      }
      const agent = await app.store.getAgent(claims.tid, claims.sub);
      if (!agent) throw unauthorized('The token names an unknown agent');
      return { agent, claims };
    },
    verifyApiKey(key) {
      const hash = digest(key);
      let found: (typeof keys)[number] | undefined;
      // No early exit: the time taken does not tell which key (or how many) exist.
      for (const k of keys) if (timingSafeEqual(hash, k.hash)) found ??= k;
      return found ? { kind: 'apiKey', tenantId: found.tenantId ?? DEFAULT_TENANT, role: found.role ?? 'admin', name: found.name } : undefined;
    },
  };
  return auth;
}

/** Throws `KEFU_FORBIDDEN` unless the principal has at least `needed`. */
export function requireRole(principal: Principal, needed: Role): void {
  if (!roleAtLeast(principal.role, needed)) throw forbidden(`This needs the ${needed} role`, { role: principal.role, needed });
}

/** The principal's agent, or `KEFU_FORBIDDEN` for an API key (the route acts as an agent). */
export function requireAgent(principal: Principal): Agent {
  if (principal.kind !== 'agent') throw forbidden('This route acts as an agent; API keys cannot use it');
  return principal.agent;
}
