// Maps location.pathname to a screen: /, /s/{id}, /s/{id}/moderate, /s/{id}/screen, /series/{id}.

export type Route =
  | { page: 'landing' }
  | { page: 'participant' | 'moderator' | 'screen' | 'series'; id: string }
  | { page: 'not_found' };

export function route(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/' || path === '/index.html' || path === '/new') return { page: 'landing' };
  const sm = /^\/series\/([^/]+)$/.exec(path);
  if (sm) {
    try {
      const id = decodeURIComponent(sm[1]);
      return id ? { page: 'series', id } : { page: 'not_found' };
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
