// Maps location.pathname to a screen: /, /s/{id}, /s/{id}/moderate, /s/{id}/screen, /series/{id},
// /archive, /archive/{id}.

export type Route =
  | { page: 'landing' | 'archive_list' }
  | { page: 'participant' | 'moderator' | 'screen' | 'series' | 'archive_session'; id: string }
  | { page: 'not_found' };

export function route(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/' || path === '/index.html' || path === '/new') return { page: 'landing' };
  if (path === '/archive') return { page: 'archive_list' };
  const sm = /^\/(series|archive)\/([^/]+)$/.exec(path);
  if (sm) {
    try {
      const id = decodeURIComponent(sm[2]);
      return id ? { page: sm[1] === 'series' ? 'series' : 'archive_session', id } : { page: 'not_found' };
    } catch {
      return { page: 'not_found' };
    }
  }
  const m = /^\/s\/([^/]+)(?:\/(moderate|screen))?$/.exec(path);
  if (!m) return { page: 'not_found' };
  let id: string;
  try {
    id = decodeURIComponent(m[1]);
  } catch {
    return { page: 'not_found' };
  }
  if (!id) return { page: 'not_found' };
  const page = m[2] === 'moderate' ? 'moderator' : m[2] === 'screen' ? 'screen' : 'participant';
  return { page, id };
}
