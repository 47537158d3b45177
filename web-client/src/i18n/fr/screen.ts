// L'écran du pub (français).
import type en from '../en/screen';
import type { Translation } from '../../i18n';

const fr: Translation<typeof en> = {
  'screen.page_title': '{hashtag} · écran du pub',
  'screen.join': 'Rejoignez avec votre téléphone',
  'screen.qr_alt': 'Code QR pour rejoindre {hashtag}',
  'screen.answers': 'Dernières réponses',
  'screen.fullscreen_hint': 'F\u00a0: plein écran',
  'screen.not_found': 'Il n’y a pas de clavardage à cette adresse.',
  'screen.cannot_join': 'Cet écran ne peut pas afficher le clavardage.',
  'screen.starts_at': 'Début {when} ({zone})',
  'screen.starts_in': 'Début dans',
  'screen.waiting_moderator': 'L’animateur lancera le clavardage.',
  'screen.plan': { one: '{n} question, environ {minutes} minutes', other: '{n} questions, environ {minutes} minutes' },
  'screen.stage_intro': 'Présentations',
  'screen.stage_wrapup': 'Conclusion',
  'screen.question_of': 'Question {n} sur {total}',
  'screen.slow_out': '{released} questions publiées sur {total}',
  'screen.intro_question': 'Présentez-vous\u00a0: qui êtes-vous, où enseignez-vous\u00a0?',
  'screen.wrapup_question': 'Que retenez-vous ce soir, et qui allez-vous suivre\u00a0?',
  'screen.intro': 'Répondez avec A0 · temps restant',
  'screen.answer_with': 'Répondez avec A{n} · temps restant',
  'screen.wrapup': 'Temps restant',
  'screen.talk': 'Discutez à votre table\u00a0; les réponses ouvrent dans',
  'screen.paused': 'En pause · temps restant à la reprise',
  'screen.time_up': 'Le temps est écoulé',
  'screen.next_release_in': 'Prochaine question dans',
  'screen.thanks': 'Merci d’avoir participé à {hashtag}\u00a0!',
  'screen.archive_at': 'Relisez-le et téléchargez-le à',
  'screen.no_answers': 'Les réponses s’afficheront ici.',
  'screen.pinned': 'Épinglée',
  'screen.likes': { one: '♥ {n}', other: '♥ {n}' },
};
export default fr;
