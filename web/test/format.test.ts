// How the console words things: severities, instance states, times and scores.
import { describe, expect, it } from 'vitest';
import {
  ago,
  interval,
  isoTime,
  score,
  severityClass,
  severityLabel,
  stateWords,
} from '../src/lib/format.ts';
import { keyAction } from '../src/lib/keys.ts';

describe('formatting', () => {
  it('names severities on the OCSF scale and keeps out-of-range values Unknown', () => {
    expect([0, 1, 2, 3, 4, 5, 6, -1].map(severityLabel)).toEqual([
      'Unknown',
      'Informational',
      'Low',
      'Medium',
      'High',
      'Critical',
      'Unknown',
      'Unknown',
    ]);
    expect(severityClass(5)).toBe('sev-5');
    expect(severityClass(9)).toBe('sev-0');
  });

  it('says what an instance state means, and a disabled instance is disabled whatever it last did', () => {
    expect(stateWords({ enabled: true, status: { name: 'a', state: 'ok' } })).toEqual({
      word: 'ok',
      meaning: 'polling normally',
    });
    expect(stateWords({ enabled: true, status: { name: 'a', state: 'failing' } }).word).toBe('failing');
    expect(stateWords({ enabled: false, status: { name: 'a', state: 'ok' } }).word).toBe('disabled');
  });

  it('writes times as ISO 8601 UTC and as words relative to now', () => {
    const now = Date.parse('2026-11-01T12:00:00Z');
    expect(isoTime(Date.parse('2026-11-01T09:03:07.123Z'))).toBe('2026-11-01 09:03:07Z');
    expect(isoTime('2026-11-01T09:03:07Z')).toBe('2026-11-01 09:03:07Z');
    expect(isoTime(undefined)).toBe('');
    expect(ago(now - 3_000, now)).toBe('just now');
    expect(ago(now - 5 * 60_000, now)).toBe('5 minutes ago');
    expect(ago('2026-11-01T09:00:00Z', now)).toBe('3 hours ago');
    expect(ago(now - 26 * 3600_000, now)).toBe('yesterday');
    expect(ago(undefined, now)).toBe('never');
    expect(ago('not a time', now)).toBe('never');
  });

  it('shows scores as percentages and intervals in the unit that reads best', () => {
    expect(score(0.873)).toBe('87%');
    expect(score(42, 100)).toBe('42%');
    expect(score(undefined)).toBe('–');
    expect([30, 300, 7200, 86400].map(interval)).toEqual(['30 s', '5 min', '2 h', '24 h']);
  });
});

describe('keyboard', () => {
  const body = { tagName: 'BODY' };
  it('maps triage keys outside text fields, and only Escape inside them', () => {
    expect(['j', 'k', 'Enter', 'a', '/', '?'].map((key) => keyAction({ key }, body))).toEqual([
      'next',
      'previous',
      'open',
      'acknowledge',
      'search',
      'help',
    ]);
    const input = { tagName: 'INPUT', type: 'search' };
    expect(keyAction({ key: 'j' }, input)).toBeUndefined();
    expect(keyAction({ key: 'a' }, { tagName: 'TEXTAREA' })).toBeUndefined();
    expect(keyAction({ key: 'Escape' }, input)).toBe('close');
    expect(keyAction({ key: 'j' }, { tagName: 'INPUT', type: 'checkbox' })).toBe('next');
  });

  it('leaves Enter on buttons and links, and chords with modifiers, to the browser', () => {
    expect(keyAction({ key: 'Enter' }, { tagName: 'BUTTON' })).toBeUndefined();
    expect(keyAction({ key: 'Enter' }, { tagName: 'A' })).toBeUndefined();
    expect(keyAction({ key: 'a', ctrlKey: true }, body)).toBeUndefined();
  });
});
