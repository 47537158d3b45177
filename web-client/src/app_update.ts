// The installed app: registers the service worker (sw.js, written by the build: it precaches the
// whole client so pages open with no signal), and says once "hashchat was updated" on the first
// load of a new version (the worker installs a new version in the background and the next load
// runs it; see sw.template.js).

import { safeStorage, toast } from './dom';
import { t } from './i18n';

const VERSION_KEY = 'hashchat:version';

/** The version this page was built as (index.html's meta, written by the build), or ''. */
export function pageVersion(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="hashchat-version"]')?.content ?? '';
}

/**
 * Whether to tell the user about an update: only when this device ran another version before
 * (a first visit is not an update, and the same version reloaded says nothing).
 */
export function isUpdate(seen: string | null, current: string): boolean {
  return current !== '' && seen !== null && seen !== '' && seen !== current;
}

/** Says "hashchat was updated" once per new version (call after the catalogues are loaded). */
export function noticeUpdate(): void {
  const current = pageVersion();
  const storage = safeStorage('local');
  if (!storage || !current) return;
  if (isUpdate(storage.getItem(VERSION_KEY), current)) toast(t('common.app_updated'), 'info');
  storage.setItem(VERSION_KEY, current);
}

/**
 * Registers the service worker where the browser allows one (HTTPS, or http://localhost; on
 * plain http over a LAN address everything else still works, see docs/operations.md), and asks
 * for an update check at each load so a new version is ready for the next one.
 */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || !pageVersion()) return;
  navigator.serviceWorker.register('/sw.js').then(
    (reg) => void reg.update().catch(() => undefined),
    () => undefined,
  );
}
