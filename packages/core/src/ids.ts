import { randomUUID } from 'node:crypto';

/**
 * A new record id: a millisecond time prefix (so ids sort by creation, which keeps B-tree inserts
 * local) followed by random bits. 26 characters, URL safe.
 */
export function newId(now: number = Date.now()): string {
  return now.toString(36).padStart(9, '0') + randomUUID().replace(/-/g, '').slice(0, 17);
}
