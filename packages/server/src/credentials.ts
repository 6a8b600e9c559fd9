import type { Store } from '@kefu/core';
import type { Kysely } from 'kysely';

/** Where agent password hashes live. */
export interface CredentialStore {
  get(tenantId: string, agentId: string): Promise<string | undefined>;
  set(tenantId: string, agentId: string, hash: string): Promise<void>;
}

interface CredentialTable {
  kefu_server_credentials: { tenant_id: string; agent_id: string; password_hash: string; updated_at: number };
}

/**
 * Picks the credential store for a Kefu store: the server's own table (migrated under the
 * `server` namespace) on a SQL store, an in-process map on the memory store (lost at restart,
 * like everything else in that store).
 */
export async function openCredentialStore(store: Store, now: () => number): Promise<CredentialStore> {
  if (!store.sql) {
    const map = new Map<string, string>();
    const key = (t: string, a: string) => `${t}\u0000${a}`;
    return {
      async get(tenantId, agentId) {
        return map.get(key(tenantId, agentId));
      },
      async set(tenantId, agentId, hash) {
        map.set(key(tenantId, agentId), hash);
      },
    };
  }
  await store.sql.migrate('server', [
    {
      name: '001_agent_credentials',
      async up(raw) {
        const db = raw as Kysely<unknown>;
        await db.schema
          .createTable('kefu_server_credentials')
          .ifNotExists()
          .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull())
          .addColumn('agent_id', 'varchar(64)', (c) => c.notNull())
          .addColumn('password_hash', 'varchar(255)', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('kefu_server_credentials_pk', ['tenant_id', 'agent_id'])
          .execute();
      },
    },
  ]);
  const db = store.sql.db as Kysely<CredentialTable>;
  return {
    async get(tenantId, agentId) {
      const row = await db.selectFrom('kefu_server_credentials').select('password_hash').where('tenant_id', '=', tenantId).where('agent_id', '=', agentId).executeTakeFirst();
      return row?.password_hash;
    },
    async set(tenantId, agentId, hash) {
      await db
        .insertInto('kefu_server_credentials')
        .values({ tenant_id: tenantId, agent_id: agentId, password_hash: hash, updated_at: now() })
        .onConflict((oc) => oc.columns(['tenant_id', 'agent_id']).doUpdateSet({ password_hash: hash, updated_at: now() }))
        .execute();
    },
  };
}
