import { describe, expect, it } from 'vitest';
import { roundFor, countChars } from './composer';
import { testBackoff } from './live';
import { chatIdFrom } from './landing';
import { route } from './router';
import { formatDuration } from './time';

describe('route', () => {
  it('maps the page paths', () => {
    expect(route('/')).toEqual({ page: 'landing' });
    expect(route('/s/pubpd-2026-11-26')).toEqual({ page: 'participant', id: 'pubpd-2026-11-26' });
    expect(route('/s/pubpd-2026-11-26/')).toEqual({ page: 'participant', id: 'pubpd-2026-11-26' });
    expect(route('/s/pubpd-2026-11-26/moderate')).toEqual({ page: 'moderator', id: 'pubpd-2026-11-26' });
    expect(route('/s/x%20y/screen')).toEqual({ page: 'screen', id: 'x y' });
    expect(route('/s/')).toEqual({ page: 'not_found' });
    expect(route('/s/a/b')).toEqual({ page: 'not_found' });
    expect(route('/s/%E0%A4%A')).toEqual({ page: 'not_found' });
  });
});

describe('roundFor', () => {
  it('prefers the pick, then a typed A<n> prefix, then the current round', () => {
    expect(roundFor('hello', 2, 3, false)).toBe(2);
    expect(roundFor('A2: hello', null, 3, false)).toBeUndefined();
    expect(roundFor('a2) hello', null, 3, false)).toBeUndefined();
    expect(roundFor('hello', null, 3, false)).toBe(3);
    expect(roundFor('hello', null, null, false)).toBeUndefined();
    expect(roundFor('hello', null, 3, true)).toBeUndefined();
    expect(roundFor('Also2 things', null, 3, false)).toBe(3);
  });
  it('counts code points', () => {
    expect(countChars('héllo 👋')).toBe(7);
  });
});

describe('formatDuration', () => {
  it('formats', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(75_000)).toBe('1:15');
    expect(formatDuration(74_001)).toBe('1:15');
    expect(formatDuration(3_725_000)).toBe('1:02:05');
    expect(formatDuration(-5)).toBe('0:00');
  });
});

describe('testBackoff', () => {
  it('reads ?test_backoff_ms for tests, and ignores anything odd', () => {
    expect(testBackoff('')).toEqual({});
    expect(testBackoff('?test_backoff_ms=200')).toEqual({ backoffInitialMs: 200, backoffMaxMs: 800 });
    expect(testBackoff('?x=1&test_backoff_ms=50')).toEqual({ backoffInitialMs: 50, backoffMaxMs: 200 });
    expect(testBackoff('?test_backoff_ms=0')).toEqual({});
    expect(testBackoff('?test_backoff_ms=5')).toEqual({});
    expect(testBackoff('?test_backoff_ms=1e3')).toEqual({});
    expect(testBackoff('?test_backoff_ms=999999')).toEqual({});
  });
});

describe('chatIdFrom (the landing page\'s "Join a chat" field)', () => {
  it('takes the id from a pasted link or the id itself', () => {
    expect(chatIdFrom('https://pub.example/s/pubpd-2026-11-26')).toBe('pubpd-2026-11-26');
    expect(chatIdFrom(' http://localhost:8080/s/pubpd-2026-11-26/moderate#key=abc ')).toBe('pubpd-2026-11-26');
    expect(chatIdFrom('pub.example/s/x%20y/screen')).toBe('x y');
    expect(chatIdFrom('pubpd-2026-11-26')).toBe('pubpd-2026-11-26');
    expect(chatIdFrom('   ')).toBeNull();
    expect(chatIdFrom('https://pub.example/archive')).toBeNull();
    expect(chatIdFrom('two words')).toBeNull();
  });
});
