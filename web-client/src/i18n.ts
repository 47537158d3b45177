// The user interface's language: every string the client shows comes from a message catalogue
// (i18n/en/*, i18n/fr/*), one catalogue per group of screens, loaded with the screen that needs
// it, so a phone downloads only its own language and only its screen's words. Dates, times and
// plurals go through Intl. Chat content (posts, questions, names) is never translated.

import type common from './i18n/en/common';
import type screen from './i18n/en/screen';
import type share from './i18n/en/share';
import type live from './i18n/en/live';
import type moderator from './i18n/en/moderator';
import type landing from './i18n/en/landing';
import type archive from './i18n/en/archive';
import type series from './i18n/en/series';
import { h } from './dom';

export type Lang = 'en' | 'fr';
export const LANGS: readonly Lang[] = ['en', 'fr'];

/** A message with plural forms, chosen by Intl.PluralRules for the number `n`. */
export interface Plural {
  one: string;
  other: string;
}
export type Message = string | Plural;

type Groups = { common: typeof common; screen: typeof screen; share: typeof share; live: typeof live; moderator: typeof moderator; landing: typeof landing; archive: typeof archive; series: typeof series };
export type Group = keyof Groups;
export type Key = { [G in Group]: keyof Groups[G] & string }[Group];
/** A catalogue in another language: every English key, each with a value of the same shape. */
export type Translation<T> = { [K in keyof T]: T[K] extends string ? string : Plural };

const loaders: Record<Lang, Record<Group, () => Promise<{ default: Record<string, Message> }>>> = {
  en: {
    common: () => import('./i18n/en/common'),
    screen: () => import('./i18n/en/screen'),
    share: () => import('./i18n/en/share'),
    live: () => import('./i18n/en/live'),
    moderator: () => import('./i18n/en/moderator'),
    landing: () => import('./i18n/en/landing'),
    archive: () => import('./i18n/en/archive'),
    series: () => import('./i18n/en/series'),
  },
  fr: {
    common: () => import('./i18n/fr/common'),
    screen: () => import('./i18n/fr/screen'),
    share: () => import('./i18n/fr/share'),
    live: () => import('./i18n/fr/live'),
    moderator: () => import('./i18n/fr/moderator'),
    landing: () => import('./i18n/fr/landing'),
    archive: () => import('./i18n/fr/archive'),
    series: () => import('./i18n/fr/series'),
  },
};

const STORAGE_KEY = 'hashchat:lang';
let current: Lang = 'en';
const messages = new Map<string, Message>();
const loaded = new Set<string>();

/** The language from a stored choice, else the browser's preferences, else English. */
export function chooseLang(stored: string | null, preferred: readonly string[]): Lang {
  if (stored === 'en' || stored === 'fr') return stored;
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'en' || base === 'fr') return base;
  }
  return 'en';
}

export function lang(): Lang {
  return current;
}

/** Picks the language for this page (call once, before loading catalogues). */
export function initLang(): Lang {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    stored = null;
  }
  current = chooseLang(stored, typeof navigator === 'undefined' ? [] : navigator.languages ?? [navigator.language]);
  if (typeof document !== 'undefined') document.documentElement.lang = current;
  return current;
}

/** Remembers the choice and reloads the page in that language. */
export function switchLang(to: Lang): void {
  try {
    localStorage.setItem(STORAGE_KEY, to);
  } catch {
    // private mode: the switch lasts for this page only
  }
  location.reload();
}

/** Loads the catalogues of `groups` in the current language (each once). */
export async function loadMessages(groups: readonly Group[]): Promise<void> {
  await Promise.all(
    groups
      .filter((g) => !loaded.has(`${current}:${g}`))
      .map(async (g) => {
        addMessages((await loaders[current][g]()).default);
        loaded.add(`${current}:${g}`);
      }),
  );
}

/** For tests and for catalogues bundled with their screen. */
export function addMessages(catalogue: Record<string, Message>, as?: Lang): void {
  if (as) current = as;
  for (const [k, v] of Object.entries(catalogue)) messages.set(k, v);
}

/**
 * The message `key` with `{name}` placeholders filled from `params`; a plural message picks its
 * form by `params.n`. A key with no loaded message shows as the key itself (a bug to see).
 */
export function t(key: Key, params: Record<string, string | number> = {}): string {
  const m = messages.get(key);
  if (m === undefined) return key;
  let text: string;
  if (typeof m === 'string') {
    text = m;
  } else {
    const n = Number(params.n ?? 0);
    text = new Intl.PluralRules(current).select(n) === 'one' ? m.one : m.other;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = params[name];
    if (v === undefined) return whole;
    return typeof v === 'number' ? new Intl.NumberFormat(current).format(v) : v;
  });
}

/** Intl date and time formatting in the current language. */
export function dateTimeFormat(opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat(current === 'fr' ? 'fr' : 'en-GB', opts);
}

/** The names of the languages, each in itself (never translated). */
const NATIVE: Record<Lang, string> = { en: 'English', fr: 'Français' };

/**
 * The language switch every screen shows: a link-like button to the other language, labelled in
 * that language (someone who cannot read the current one still finds theirs).
 */
export function langSwitch(): HTMLElement {
  const other: Lang = current === 'en' ? 'fr' : 'en';
  return h(
    'button',
    { type: 'button', class: 'link small lang-switch', lang: other, 'data-testid': 'lang-switch', onclick: () => switchLang(other) },
    NATIVE[other],
  );
}
