// Mots partagés par tous les écrans (français).
import type en from '../en/common';
import type { Translation } from '../../i18n';

const fr: Translation<typeof en> = {
  'common.connecting': 'Connexion…',
  'common.offline': 'Hors ligne\u00a0: reconnexion…',
  'common.language': 'Langue',
};
export default fr;
