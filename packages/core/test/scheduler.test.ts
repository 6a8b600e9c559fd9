import { FakeClock } from '@kefu/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type KefuApp, createApp, createMemoryStore } from '../src/index.js';

const apps: KefuApp[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

describe('scheduler', () => {
  it('runs a job when it comes due, once', async () => {
    const clock = new FakeClock();
    const app = createApp({ store: createMemoryStore({ clock }), clock });
    apps.push(app);
    const ran: unknown[] = [];
    app.scheduler.define<{ n: number }>('nudge', (p) => void ran.push(p.n));
    await app.start();
    await app.scheduler.in(5 * 60_000, 'nudge', { n: 1 }, { key: 'nudge:c1' });
    await app.scheduler.in(5 * 60_000, 'nudge', { n: 2 }, { key: 'nudge:c1' }); // same key: kept once
    await clock.advance(4 * 60_000);
    expect(ran).toEqual([]);
    await clock.advance(60_000);
    await app.scheduler.runDue();
    expect(ran).toEqual([1]);
    await clock.advance(60 * 60_000);
    expect(ran).toEqual([1]);
  });

  it('cancels a job by key', async () => {
    const clock = new FakeClock();
    const app = createApp({ store: createMemoryStore({ clock }), clock });
    apps.push(app);
    const ran: string[] = [];
    app.scheduler.define('remind', () => void ran.push('x'));
    await app.start();
    await app.scheduler.in(1000, 'remind', {}, { key: 'pay:o1' });
    expect(await app.scheduler.cancel('pay:o1')).toBe(true);
    await clock.advance(5000);
    expect(ran).toEqual([]);
  });

  it('retries a failing job with backoff', async () => {
    const clock = new FakeClock();
    const app = createApp({ store: createMemoryStore({ clock }), clock });
    apps.push(app);
    let calls = 0;
    const errors: string[] = [];
    app.on('error', ({ source }) => void errors.push(source));
    app.scheduler.define('flaky', () => {
      calls++;
      if (calls < 3) throw new Error('not yet');
    });
    await app.start();
    await app.scheduler.in(0, 'flaky', {});
    await app.scheduler.runDue();
    expect(calls).toBe(1);
    await clock.advance(1000);
    await app.scheduler.runDue();
    expect(calls).toBe(2);
    await clock.advance(2000);
    await app.scheduler.runDue();
    expect(calls).toBe(3);
    expect(errors).toEqual(['job:flaky', 'job:flaky']);
    expect(await app.store.nextJobTime()).toBeUndefined();
  });

  it('runs jobs that came due while the app was down after a restart', async () => {
    const clock = new FakeClock();
    const store = createMemoryStore({ clock });
    const app1 = createApp({ store, clock });
    app1.scheduler.define('sla', () => {});
    await app1.start();
    await app1.scheduler.in(10_000, 'sla', { conversationId: 'c1' }, { key: 'sla:c1' });
    await app1.close();
    await clock.advance(60_000); // down for a minute

    const ran: unknown[] = [];
    const app2 = createApp({ store, clock });
    apps.push(app2);
    app2.scheduler.define('sla', (p) => void ran.push(p));
    await app2.start();
    expect(ran).toEqual([{ conversationId: 'c1' }]);
  });
});
