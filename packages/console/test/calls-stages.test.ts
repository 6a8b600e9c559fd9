import { describe, expect, it } from 'vitest';
import { callElapsedMs, callLook, callOf, formatCallDuration, isLive } from '../app/calls.js';
import { translator } from '../app/i18n.js';
import { type ConsoleState, initialState, listViews, reducer, stageOf } from '../app/state.js';
import { T0, agent, contact, conversation, event } from './fixtures.js';

const phone = (call: unknown) => conversation({ channel: 'phone', address: '+14155550123', attributes: { call } });

describe('live calls', () => {
  it.each([
    [{ state: 'ringing' }, 'call.ringing', 'ringing', 'Ringing', '振铃中'],
    [{ state: 'in-progress' }, 'call.inProgress', 'live', 'In progress', '通话中'],
    [{ state: 'queued' }, 'call.onHold', 'hold', 'On hold', '保持等待'],
    [{ state: 'voicemail' }, 'call.voicemail', 'voicemail', 'Leaving voicemail', '正在留言'],
    [{ state: 'completed', endStatus: 'completed' }, 'call.ended', 'ended', 'Call ended', '通话已结束'],
    [{ state: 'completed', endStatus: 'no-answer' }, 'call.missed', 'ended', 'Missed call', '未接来电'],
    [{ state: 'completed' }, 'call.ended', 'ended', 'Call ended', '通话已结束'],
  ] as const)('%j is labelled %s with the %s colour', (call, label, tone, en, zh) => {
    const info = callOf(phone(call))!;
    expect(callLook(info)).toEqual({ label, tone });
    expect(translator('en')(callLook(info).label)).toBe(en);
    expect(translator('zh')(callLook(info).label)).toBe(zh);
    expect(isLive(info)).toBe(call.state !== 'completed');
  });

  it('reads only known states and safe links from the attributes', () => {
    expect(callOf(conversation())).toBeUndefined();
    expect(callOf(phone('ringing'))).toBeUndefined();
    expect(callOf(phone({ state: 'dancing' }))).toBeUndefined();
    expect(callOf(phone({ state: 'in-progress', from: '+14155550123', startedAt: T0, queuePosition: 'two', recordingUrl: 'javascript:alert(1)', transcriptionUrl: 'https://api.twilio.com/t/TR1' }))).toEqual({
      state: 'in-progress',
      from: '+14155550123',
      startedAt: T0,
      transcriptionUrl: 'https://api.twilio.com/t/TR1',
    });
    expect(isLive(undefined)).toBe(false);
  });

  it('times the call: the line since it started, the hold since it was queued, the final duration once ended', () => {
    expect(callElapsedMs({ state: 'in-progress', startedAt: T0 }, T0 + 65_000)).toBe(65_000);
    expect(callElapsedMs({ state: 'ringing', startedAt: T0 }, T0 - 5)).toBe(0);
    expect(callElapsedMs({ state: 'queued', startedAt: T0, queuedAt: T0 + 30_000 }, T0 + 40_000)).toBe(10_000);
    expect(callElapsedMs({ state: 'completed', startedAt: T0, endedAt: T0 + 90_000, durationSec: 84 }, T0 + 999_999)).toBe(84_000);
    expect(callElapsedMs({ state: 'completed', startedAt: T0, endedAt: T0 + 90_000 }, T0 + 999_999)).toBe(90_000);
    expect(callElapsedMs({ state: 'in-progress' }, T0)).toBeUndefined();
    expect(formatCallDuration(7_900)).toBe('0:07');
    expect(formatCallDuration(750_000)).toBe('12:30');
    expect(formatCallDuration(3_723_000)).toBe('1:02:03');
  });

  it('follows conversation.updated events from the socket', () => {
    let s: ConsoleState = reducer(initialState(), { type: 'hello', agent: agent(), lastEventId: 0 });
    const c = phone({ state: 'ringing', startedAt: T0 });
    s = reducer(s, { type: 'event', frame: event(1, 'conversation.updated', { conversation: c, contact: contact() }) });
    expect(callOf(s.views.c1!.conversation)?.state).toBe('ringing');
    s = reducer(s, { type: 'event', frame: event(2, 'conversation.updated', { conversation: { ...c, attributes: { call: { state: 'in-progress', startedAt: T0 } }, updatedAt: T0 + 1 } }) });
    expect(callOf(s.views.c1!.conversation)?.state).toBe('in-progress');
  });
});

describe('buying stage in lists', () => {
  it('reads known stages only', () => {
    expect(stageOf(conversation({ attributes: { stage: 'paid' } }))).toBe('paid');
    expect(stageOf(conversation({ attributes: { stage: 'shipped' } }))).toBeUndefined();
    expect(stageOf(conversation())).toBeUndefined();
  });

  it('filters every list by the chosen stage', () => {
    let s: ConsoleState = reducer(initialState(), { type: 'hello', agent: agent({ role: 'supervisor' }), lastEventId: 0 });
    s = reducer(s, {
      type: 'lists-loaded',
      items: [
        { conversation: conversation({ id: 'a', attributes: { stage: 'paid' } }) },
        { conversation: conversation({ id: 'b', attributes: { stage: 'after-sale' } }) },
        { conversation: conversation({ id: 'c' }) },
        { conversation: conversation({ id: 'd', status: 'assigned', assigneeId: 'bob', attributes: { stage: 'paid' } }) },
      ],
    });
    const ids = (list: 'queued' | 'all') => listViews(s, list).map((v) => v.conversation.id).sort();
    expect(s.stage).toBe('all');
    expect(ids('queued')).toEqual(['a', 'b', 'c']);
    s = reducer(s, { type: 'stage', stage: 'paid' });
    expect(ids('queued')).toEqual(['a']);
    expect(ids('all')).toEqual(['a', 'd']);
    s = reducer(s, { type: 'stage', stage: 'ordered-not-paid' });
    expect(ids('all')).toEqual([]);
    // A stage change arriving live moves the row in or out.
    s = reducer(s, { type: 'event', frame: event(1, 'conversation.updated', { conversation: conversation({ id: 'c', attributes: { stage: 'ordered-not-paid' }, updatedAt: T0 + 1 }) }) });
    expect(ids('queued')).toEqual(['c']);
  });

  it('labels the filter in both languages', () => {
    expect(translator('en')('list.stage.all')).toBe('All stages');
    expect(translator('zh')('list.stage')).toBe('购买阶段');
    expect(translator('zh')('list.liveCalls', { n: 2 })).toBe('进行中通话：2');
  });
});
