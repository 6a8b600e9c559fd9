/**
 * @kefu/server — one Node HTTP server around a Kefu app: the REST API (`/api/v1`, zod-validated,
 * OpenAPI 3.1), agent auth (scrypt passwords, HS256 JWTs, API keys), the agent WebSocket with
 * resume, adapter webhooks and sockets, static folders, health checks and graceful shutdown.
 *
 * @packageDocumentation
 */
export { createServer, SERVER_VERSION, type KefuServer, type ServerOptions } from './server.js';
export { createAgentsAuth, roleAtLeast, type AgentsAuth, type AgentsAuthOptions, type AgentTokenClaims, type ApiKey, type Principal, type Role } from './auth.js';
export { hashPassword, verifyPassword, defaultScryptParams, type ScryptParams } from './passwords.js';
export { ServerErrorCodes } from './errors.js';
export { publicMessage, type PublicMessage } from './api.js';
export type { AdapterHttpRoute, ServerMountableAdapter } from './adapters.js';
export type { StaticMount } from './static.js';
export {
  agentSocketEvents,
  AgentSocketCloseCodes,
  type AgentClientFrame,
  type AgentErrorFrame,
  type AgentEventData,
  type AgentEventFrame,
  type AgentEventName,
  type AgentHelloFrame,
  type AgentResyncFrame,
  type AgentServerFrame,
  type AgentSocketAppEvent,
} from './frames.js';
