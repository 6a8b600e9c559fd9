import { type Kysely, sql } from 'kysely';
import type { Migration } from '@kefu/core';
import type { SqlDialect } from './rows.js';

/**
 * The core schema, itself a migration namespace (`core`) like any plugin's. Append new
 * migrations at the end; never edit one that shipped.
 */
export function coreMigrations(dialect: SqlDialect): Migration<Kysely<any>>[] {
  // JSON is TEXT on SQLite and JSONB on PostgreSQL; times are int8 milliseconds on both.
  const json = dialect === 'postgres' ? 'jsonb' : 'text';
  const int8 = dialect === 'postgres' ? 'bigint' : 'integer';
  const real = dialect === 'postgres' ? 'double precision' : 'real';

  return [
    {
      name: '001_core',
      async up(db) {
        await db.schema
          .createTable('contacts')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('name', 'text')
          .addColumn('identities', json, (c) => c.notNull())
          .addColumn('identifiers', json, (c) => c.notNull())
          .addColumn('tier', 'text', (c) => c.notNull())
          .addColumn('tags', json, (c) => c.notNull())
          .addColumn('attributes', json, (c) => c.notNull())
          .addColumn('merged_into', 'text')
          .addColumn('search', 'text', (c) => c.notNull())
          .addColumn('created_at', int8, (c) => c.notNull())
          .addColumn('updated_at', int8, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('contacts_tenant_updated').on('contacts').columns(['tenant_id', 'updated_at']).execute();

        // Identities and identifiers live in side tables so that lookups are index seeks.
        await db.schema
          .createTable('contact_identities')
          .addColumn('contact_id', 'text', (c) => c.notNull())
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('external_id', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('contact_identities_pk', ['contact_id', 'channel', 'external_id'])
          .execute();
        await db.schema.createIndex('contact_identities_lookup').on('contact_identities').columns(['tenant_id', 'channel', 'external_id']).execute();
        await db.schema
          .createTable('contact_identifiers')
          .addColumn('contact_id', 'text', (c) => c.notNull())
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('value', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('contact_identifiers_pk', ['contact_id', 'kind', 'value'])
          .execute();
        await db.schema.createIndex('contact_identifiers_lookup').on('contact_identifiers').columns(['tenant_id', 'kind', 'value']).execute();

        await db.schema
          .createTable('conversations')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('contact_id', 'text', (c) => c.notNull())
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('address', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('assignee_id', 'text')
          .addColumn('team_id', 'text')
          .addColumn('priority', real, (c) => c.notNull())
          .addColumn('entry', json)
          .addColumn('language', 'text')
          .addColumn('tags', json, (c) => c.notNull())
          .addColumn('subject', 'text')
          .addColumn('last_seq', int8, (c) => c.notNull())
          .addColumn('attributes', json, (c) => c.notNull())
          .addColumn('opened_at', int8, (c) => c.notNull())
          .addColumn('queued_at', int8)
          .addColumn('assigned_at', int8)
          .addColumn('first_response_at', int8)
          .addColumn('closed_at', int8)
          .addColumn('last_message_at', int8, (c) => c.notNull())
          .addColumn('updated_at', int8, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('conversations_open')
          .on('conversations')
          .columns(['tenant_id', 'channel', 'address'])
          .where(sql.ref('status'), '<>', sql.lit('closed'))
          .execute();
        await db.schema.createIndex('conversations_tenant_recent').on('conversations').columns(['tenant_id', 'last_message_at']).execute();
        await db.schema.createIndex('conversations_status').on('conversations').columns(['status', 'last_message_at']).execute();
        await db.schema.createIndex('conversations_contact').on('conversations').column('contact_id').execute();

        await db.schema
          .createTable('messages')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('seq', int8, (c) => c.notNull())
          .addColumn('direction', 'text', (c) => c.notNull())
          .addColumn('author', json, (c) => c.notNull())
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('parts', json, (c) => c.notNull())
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('external_id', 'text')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('error', json)
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('next_attempt_at', int8)
          .addColumn('created_at', int8, (c) => c.notNull())
          .addColumn('sent_at', int8)
          .addColumn('meta', json)
          .addColumn('raw', json)
          .addColumn('dedupe_key', 'text')
          .execute();
        await db.schema.createIndex('messages_conversation_seq').on('messages').columns(['conversation_id', 'seq']).unique().execute();
        // NULL keys never collide, on both dialects: messages without a dedupe key are free.
        await db.schema.createIndex('messages_dedupe').on('messages').columns(['tenant_id', 'dedupe_key']).unique().execute();
        await db.schema
          .createIndex('messages_pending_outbound')
          .on('messages')
          .columns(['created_at', 'seq'])
          .where(sql<boolean>`${sql.ref('direction')} = 'outbound' and ${sql.ref('status')} = 'pending'`)
          .execute();

        await db.schema
          .createTable('agents')
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('id', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('email', 'text')
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('teams', json, (c) => c.notNull())
          .addColumn('skills', json, (c) => c.notNull())
          .addColumn('languages', json, (c) => c.notNull())
          .addColumn('capacity', 'integer', (c) => c.notNull())
          .addColumn('presence', 'text', (c) => c.notNull())
          .addColumn('attributes', json, (c) => c.notNull())
          .addColumn('created_at', int8, (c) => c.notNull())
          .addColumn('updated_at', int8, (c) => c.notNull())
          .addPrimaryKeyConstraint('agents_pk', ['tenant_id', 'id'])
          .execute();
        await db.schema
          .createTable('teams')
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('id', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('attributes', json, (c) => c.notNull())
          .addPrimaryKeyConstraint('teams_pk', ['tenant_id', 'id'])
          .execute();

        await db.schema
          .createTable('jobs')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('run_at', int8, (c) => c.notNull())
          .addColumn('payload', json)
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('last_error', 'text')
          .addColumn('locked_until', int8)
          .addColumn('locked_by', 'text')
          .addColumn('created_at', int8, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('jobs_key').on('jobs').columns(['tenant_id', 'key']).unique().execute();
        await db.schema.createIndex('jobs_run_at').on('jobs').column('run_at').execute();

        await db.schema
          .createTable('kv')
          .addColumn('namespace', 'text', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('value', json)
          .addColumn('expires_at', int8)
          .addPrimaryKeyConstraint('kv_pk', ['namespace', 'key'])
          .execute();
      },
    },
  ];
}
