// Small pieces shared by the creation forms (landing page, series).

import { h } from './dom';
import { t } from './i18n';

export function sessionPath(id: string, page?: 'moderate' | 'screen'): string {
  return `/s/${encodeURIComponent(id)}${page ? `/${page}` : ''}`;
}

export function field(label: string, input: HTMLElement, hint?: string): HTMLElement {
  return h('label', { class: 'field' }, h('span', { class: 'label' }, label), input, hint ? h('span', { class: 'hint' }, hint) : null);
}

export function minutes(name: string, value: number, min: number, max: number): HTMLInputElement {
  return h('input', { type: 'number', name, value, min, max, step: 1, inputmode: 'numeric', required: true });
}

export function linkLine(label: string, url: string, testid: string): HTMLElement {
  const copy = h('button', { type: 'button', class: 'small' }, t('share.copy'));
  copy.addEventListener('click', () => {
    navigator.clipboard?.writeText(url).then(
      () => (copy.textContent = t('share.copied')),
      () => (copy.textContent = t('share.copy_by_hand')),
    );
  });
  return h('div', { class: 'link-line' }, h('span', { class: 'label' }, label), h('a', { href: url, 'data-testid': testid, class: 'url' }, url), copy);
}
