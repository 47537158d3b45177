// Words every screen shares (English).
export default {
  'common.connecting': 'Connecting…',
  'common.offline': 'Offline: reconnecting…',
  'common.language': 'Language',
} as const;
