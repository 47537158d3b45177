// The French catalogue is complete: for every group it has exactly the English keys, each with the
// same shape (a sentence or a plural) and the same {placeholders}; a value left identical to the
// English one must be listed below with the reason it is right in French too. tsc already refuses
// a missing key (Translation<typeof en>); this test also catches extra keys, a lost or misspelt
// placeholder, and an English sentence pasted in as a "translation".

import { describe, expect, it } from 'vitest';
import type { Message } from './i18n';
import enArchive from './i18n/en/archive';
import enCommon from './i18n/en/common';
import enLanding from './i18n/en/landing';
import enLive from './i18n/en/live';
import enModerator from './i18n/en/moderator';
import enScreen from './i18n/en/screen';
import enSeries from './i18n/en/series';
import enShare from './i18n/en/share';
import frArchive from './i18n/fr/archive';
import frCommon from './i18n/fr/common';
import frLanding from './i18n/fr/landing';
import frLive from './i18n/fr/live';
import frModerator from './i18n/fr/moderator';
import frScreen from './i18n/fr/screen';
import frSeries from './i18n/fr/series';
import frShare from './i18n/fr/share';

type Catalogue = Record<string, Message>;

const GROUPS: Record<string, [Catalogue, Catalogue]> = {
  archive: [enArchive, frArchive],
  common: [enCommon, frCommon],
  landing: [enLanding, frLanding],
  live: [enLive, frLive],
  moderator: [enModerator, frModerator],
  screen: [enScreen, frScreen],
  series: [enSeries, frSeries],
  share: [enShare, frShare],
};

/**
 * French values that are rightly the same as the English ones, each with its reason. Every entry
 * must still be identical (a stale entry fails), so the list stays true.
 */
const SAME_IN_FRENCH: Record<string, string> = {
  'archive.question_short': 'Q{n} is the chat notation for question n in both languages',
  'archive.format_html': 'a file format’s name',
  'archive.format_md': 'a file format’s name',
  'archive.format_csv': 'a file format’s name',
  'archive.format_json': 'a file format’s name',
  'archive.stat_participants': '“Participants” is the French word too',
  'archive.participants_n': '“participant(s)” is the French word too',
  'archive.col_question': '“Question” is the French word too',
  'landing.title': 'the product name, hashchat',
  'moderator.minutes_unit': 'the SI symbol for minutes, the same in French',
  'moderator.hours_unit': 'the SI symbol for hours, the same in French',
  'screen.likes': 'a heart and a number: no words',
  'series.doc_title': 'only the series’ own name and the product name, hashchat',
  'series.description': '“Description” is the French word too',
  'series.minutes': '“Minutes” is the French word too',
};

/** The names of a message's {placeholders}, each once, sorted (both forms of a plural). */
function placeholders(m: Message): string[] {
  const text = typeof m === 'string' ? m : `${m.one} ${m.other}`;
  return [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((x) => x[1]))].sort();
}

function shape(m: Message): string {
  return typeof m === 'string' ? 'string' : `plural(${Object.keys(m).sort().join(',')})`;
}

function same(a: Message, b: Message): boolean {
  return typeof a === 'string' || typeof b === 'string' ? a === b : a.one === b.one && a.other === b.other;
}

describe('the French catalogue', () => {
  for (const [group, [en, fr]] of Object.entries(GROUPS)) {
    it(`${group}: the same keys as English`, () => {
      expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
      for (const key of Object.keys(en)) expect(key.startsWith(`${group}.`), key).toBe(true);
    });

    it(`${group}: each message of the same shape with the same placeholders`, () => {
      for (const [key, m] of Object.entries(en)) {
        const f = fr[key];
        if (f === undefined) continue; // reported by the keys test
        expect(shape(f), key).toBe(shape(m));
        expect(placeholders(f), key).toEqual(placeholders(m));
      }
    });

    it(`${group}: translated, unless listed as the same in French`, () => {
      const identical = Object.keys(en).filter((key) => fr[key] !== undefined && same(en[key], fr[key]));
      const unlisted = identical.filter((key) => !(key in SAME_IN_FRENCH));
      expect(unlisted, 'French values identical to English, not in SAME_IN_FRENCH').toEqual([]);
    });
  }

  it('lists only values that are still identical, each with a reason', () => {
    for (const [key, reason] of Object.entries(SAME_IN_FRENCH)) {
      const group = key.split('.')[0];
      const [en, fr] = GROUPS[group] ?? [{}, {}];
      expect(en[key], `${key} is no English key`).toBeDefined();
      expect(same(en[key], fr[key]), `${key} is translated now: remove it from the list`).toBe(true);
      expect(reason.length, key).toBeGreaterThan(10);
    }
  });
});
