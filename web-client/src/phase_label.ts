// The name of a chat's phase ("Q2: answer now with A2"), shared by the live pages, the landing
// page and the series page; its words are in the 'common' catalogue so those pages need no more.

import { t } from './i18n';
import type { Phase } from './protocol';

export function phaseLabel(p: Phase | null): string {
  if (!p) return t('common.connecting');
  const q = p.round !== null && p.round > 0 ? `Q${p.round}` : '';
  switch (p.phase) {
    case 'scheduled':
      return t('common.phase_scheduled');
    case 'intro':
      return t('common.phase_intro');
    case 'talk':
      return t('common.phase_talk', { q });
    case 'round':
      return t('common.phase_round', { q, round: p.round ?? '' });
    case 'wrapup':
      return t('common.phase_wrapup');
    case 'closed':
      return t('common.phase_closed');
    case 'paused':
      return q ? t('common.phase_paused_q', { q }) : t('common.phase_paused');
  }
}
