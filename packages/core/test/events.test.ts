import { describe, expect, it } from 'vitest';
import { SafeEmitter } from '../src/index.js';

describe('events', () => {
  it('a listener that throws does not stop the others, and the error is reported', () => {
    const fallback: string[] = [];
    const emitter = new SafeEmitter((_e, source) => void fallback.push(source));
    const seen: string[] = [];
    const reported: string[] = [];
    emitter.on('error', ({ source }) => void reported.push(source));
    emitter.on('contact.created', () => {
      throw new Error('bad listener');
    });
    emitter.on('contact.created', ({ contact }) => void seen.push(contact.id));
    emitter.emit('contact.created', { contact: { id: 'c1' } as never });
    expect(seen).toEqual(['c1']);
    expect(reported).toEqual(['listener:contact.created']);
    expect(fallback).toEqual([]);
  });

  it('reports a rejected async listener and a throwing error listener without looping', async () => {
    const fallback: string[] = [];
    const emitter = new SafeEmitter((_e, source) => void fallback.push(source));
    emitter.on('error', () => {
      throw new Error('error listener broken');
    });
    emitter.on('contact.created', async () => {
      throw new Error('async bug');
    });
    emitter.emit('contact.created', { contact: { id: 'c1' } as never });
    await new Promise((r) => setImmediate(r));
    expect(fallback).toEqual(['listener:error']);
  });

  it('unsubscribes', () => {
    const emitter = new SafeEmitter(() => {});
    let n = 0;
    const off = emitter.on('contact.created', () => void n++);
    emitter.emit('contact.created', { contact: {} as never });
    off();
    emitter.emit('contact.created', { contact: {} as never });
    expect(n).toBe(1);
  });
});
