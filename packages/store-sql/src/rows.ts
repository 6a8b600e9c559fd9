import type { Agent, Contact, Conversation, Message, Team } from '@kefu/core';
import type { JobRecord } from '@kefu/core';

/** The two SQL dialects Kefu speaks. */
export type SqlDialect = 'sqlite' | 'postgres';

/**
 * How a model field is stored: `str` as text, `num` as an integer or double (PostgreSQL `int8`
 * comes back as a string without a type parser, so every read goes through `Number`), `json` as
 * TEXT on SQLite and JSONB on PostgreSQL.
 */
type Kind = 'str' | 'num' | 'json';

/** `[modelProperty, column, kind, optional]`. Optional fields are absent (never `null`) when unset. */
type Field = readonly [prop: string, column: string, kind: Kind, optional?: true];

export const contactFields: readonly Field[] = [
  ['id', 'id', 'str'],
  ['tenantId', 'tenant_id', 'str'],
  ['name', 'name', 'str', true],
  ['identities', 'identities', 'json'],
  ['identifiers', 'identifiers', 'json'],
  ['tier', 'tier', 'str'],
  ['tags', 'tags', 'json'],
  ['attributes', 'attributes', 'json'],
  ['mergedInto', 'merged_into', 'str', true],
  ['createdAt', 'created_at', 'num'],
  ['updatedAt', 'updated_at', 'num'],
];

export const conversationFields: readonly Field[] = [
  ['id', 'id', 'str'],
  ['tenantId', 'tenant_id', 'str'],
  ['contactId', 'contact_id', 'str'],
  ['channel', 'channel', 'str'],
  ['address', 'address', 'str'],
  ['status', 'status', 'str'],
  ['assigneeId', 'assignee_id', 'str', true],
  ['teamId', 'team_id', 'str', true],
  ['priority', 'priority', 'num'],
  ['entry', 'entry', 'json', true],
  ['language', 'language', 'str', true],
  ['tags', 'tags', 'json'],
  ['subject', 'subject', 'str', true],
  ['lastSeq', 'last_seq', 'num'],
  ['attributes', 'attributes', 'json'],
  ['openedAt', 'opened_at', 'num'],
  ['queuedAt', 'queued_at', 'num', true],
  ['assignedAt', 'assigned_at', 'num', true],
  ['firstResponseAt', 'first_response_at', 'num', true],
  ['closedAt', 'closed_at', 'num', true],
  ['lastMessageAt', 'last_message_at', 'num'],
  ['updatedAt', 'updated_at', 'num'],
];

/** Column order here is also the column order of the hand-written append statements. */
export const messageFields: readonly Field[] = [
  ['id', 'id', 'str'],
  ['tenantId', 'tenant_id', 'str'],
  ['conversationId', 'conversation_id', 'str'],
  ['seq', 'seq', 'num'],
  ['direction', 'direction', 'str'],
  ['author', 'author', 'json'],
  ['text', 'text', 'str'],
  ['parts', 'parts', 'json'],
  ['channel', 'channel', 'str'],
  ['externalId', 'external_id', 'str', true],
  ['status', 'status', 'str'],
  ['error', 'error', 'json', true],
  ['attempts', 'attempts', 'num'],
  ['nextAttemptAt', 'next_attempt_at', 'num', true],
  ['createdAt', 'created_at', 'num'],
  ['sentAt', 'sent_at', 'num', true],
  ['meta', 'meta', 'json', true],
  ['raw', 'raw', 'json', true],
];

export const agentFields: readonly Field[] = [
  ['id', 'id', 'str'],
  ['tenantId', 'tenant_id', 'str'],
  ['name', 'name', 'str'],
  ['email', 'email', 'str', true],
  ['role', 'role', 'str'],
  ['teams', 'teams', 'json'],
  ['skills', 'skills', 'json'],
  ['languages', 'languages', 'json'],
  ['capacity', 'capacity', 'num'],
  ['presence', 'presence', 'str'],
  ['attributes', 'attributes', 'json'],
  ['createdAt', 'created_at', 'num'],
  ['updatedAt', 'updated_at', 'num'],
];

export const teamFields: readonly Field[] = [
  ['id', 'id', 'str'],
  ['tenantId', 'tenant_id', 'str'],
  ['name', 'name', 'str'],
  ['attributes', 'attributes', 'json'],
];

export const jobFields: readonly Field[] = [
  ['id', 'id', 'str'],
  ['tenantId', 'tenant_id', 'str'],
  ['key', 'key', 'str'],
  ['name', 'name', 'str'],
  ['runAt', 'run_at', 'num'],
  // A JSON `null` and SQL NULL are indistinguishable through `pg`, so both read as absent.
  ['payload', 'payload', 'json', true],
  ['attempts', 'attempts', 'num'],
  ['lastError', 'last_error', 'str', true],
  ['lockedUntil', 'locked_until', 'num', true],
  ['lockedBy', 'locked_by', 'str', true],
  ['createdAt', 'created_at', 'num'],
];

type Row = Record<string, unknown>;

function encode(kind: Kind, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  return kind === 'json' ? JSON.stringify(value) : value;
}

/** A model object as a row: `undefined` and `null` become SQL NULL, JSON fields become text. */
export function toRow(fields: readonly Field[], obj: object): Row {
  const src = obj as Row;
  const row: Row = {};
  for (const [prop, column, kind] of fields) row[column] = encode(kind, src[prop]);
  return row;
}

/** The columns a patch sets: `undefined` leaves a column alone, `null` clears it. */
export function patchToRow(fields: readonly Field[], patch: object): Row {
  const src = patch as Row;
  const row: Row = {};
  for (const [prop, column, kind] of fields) if (src[prop] !== undefined) row[column] = encode(kind, src[prop]);
  return row;
}

/** A row as a model object. SQLite hands JSON back as text; `pg` parses JSONB itself. */
export function fromRow<T>(dialect: SqlDialect, fields: readonly Field[], row: Row): T {
  const out: Row = {};
  for (const [prop, column, kind, optional] of fields) {
    let v = row[column];
    if (v !== null && v !== undefined) {
      if (kind === 'num') v = Number(v);
      else if (kind === 'json' && dialect === 'sqlite') v = JSON.parse(v as string);
    }
    if (v === null || v === undefined) {
      if (optional) continue;
      v = null;
    }
    out[prop] = v;
  }
  return out as T;
}

/** Typed readers, one per record kind. */
export const read = {
  contact: (d: SqlDialect, r: Row) => fromRow<Contact>(d, contactFields, r),
  conversation: (d: SqlDialect, r: Row) => fromRow<Conversation>(d, conversationFields, r),
  message: (d: SqlDialect, r: Row) => fromRow<Message>(d, messageFields, r),
  agent: (d: SqlDialect, r: Row) => fromRow<Agent>(d, agentFields, r),
  team: (d: SqlDialect, r: Row) => fromRow<Team>(d, teamFields, r),
  job: (d: SqlDialect, r: Row) => fromRow<JobRecord>(d, jobFields, r),
};

/**
 * The lowercased text a contact search matches against. Computed in JavaScript so that case
 * folding is the same on both dialects (SQLite's `lower()` folds ASCII only).
 */
export function contactSearchText(c: Pick<Contact, 'name' | 'identities' | 'identifiers'>): string {
  return [c.name ?? '', ...c.identities.map((i) => i.externalId), ...c.identifiers.map((i) => i.value)].join('\u0001').toLowerCase();
}

/** A LIKE pattern matching `text` anywhere, with `%`, `_` and `\` escaped (use with `ESCAPE '\'`). */
export function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
