// Sharing a chat: join link, QR code, pub screen (English).
export default {
  'share.title': 'Invite people',
  'share.join': 'Join link: share it, or let people scan the code',
  'share.screen': 'Pub screen: open it on the projector',
  'share.qr_alt': 'QR code of the join link',
  'share.copy': 'Copy',
  'share.copied': 'Copied',
  'share.copy_by_hand': 'Select and copy',
  'share.copy_join': 'Copy the join link',
  'share.copy_screen': 'Copy the pub screen link',
} as const;
