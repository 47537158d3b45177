// Partager un clavardage : lien, code QR, écran du pub (français).
import type en from '../en/share';
import type { Translation } from '../../i18n';

const fr: Translation<typeof en> = {
  'share.title': 'Inviter des gens',
  'share.join': 'Lien pour rejoindre\u00a0: partagez-le, ou faites scanner le code',
  'share.screen': 'Écran du pub\u00a0: ouvrez-le sur le projecteur',
  'share.qr_alt': 'Code QR du lien pour rejoindre',
  'share.copy': 'Copier',
  'share.copied': 'Copié',
  'share.copy_by_hand': 'Sélectionnez et copiez',
  'share.copy_join': 'Copier le lien pour rejoindre',
  'share.copy_screen': 'Copier le lien de l’écran du pub',
};
export default fr;
