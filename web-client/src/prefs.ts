// The reader's preferences every screen offers: the language (i18n.ts) and the colour scheme.
// The scheme follows the system's prefers-color-scheme until the reader picks one with the
// switch; the choice is kept on the device and set as data-theme on <html>, which style.css's
// light-dark() colours follow.

import { h, safeStorage } from './dom';
import { langSwitch, t } from './i18n';

export type Theme = 'light' | 'dark';
const THEME_KEY = 'hashchat:theme';

function storedTheme(): Theme | null {
  const v = safeStorage('local')?.getItem(THEME_KEY);
  return v === 'light' || v === 'dark' ? v : null;
}

/** The scheme the page shows now: the stored choice, else the system's. */
export function currentTheme(): Theme {
  return storedTheme() ?? (window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
}

/** Applies a stored choice (call once, before the first render). */
export function initTheme(): void {
  const theme = storedTheme();
  if (theme) document.documentElement.dataset.theme = theme;
}

/** A toggle button "Dark mode" (pressed when the page is dark); a press pins the other scheme. */
export function themeSwitch(): HTMLElement {
  const button = h('button', { type: 'button', class: 'link small theme-switch', 'data-testid': 'theme-switch' }, t('common.dark_mode'));
  const show = () => button.setAttribute('aria-pressed', String(currentTheme() === 'dark'));
  button.addEventListener('click', () => {
    const next: Theme = currentTheme() === 'dark' ? 'light' : 'dark';
    safeStorage('local')?.setItem(THEME_KEY, next);
    document.documentElement.dataset.theme = next;
    show();
  });
  window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener?.('change', show);
  show();
  return button;
}

/** The language and scheme switches, side by side (in a page's header or footer). */
export function prefsBar(): HTMLElement {
  return h('div', { class: 'prefs', 'data-testid': 'prefs' }, langSwitch(), themeSwitch());
}
