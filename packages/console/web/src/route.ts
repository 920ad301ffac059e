/** Hash routes: #/ rack, #/node/<id>, #/node/<id>/serial, #/timeline?node=&kind=, #/labs */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'rack' }
  | { page: 'node'; id: string }
  | { page: 'serial'; id: string }
  | { page: 'timeline'; node: string; kind: string }
  | { page: 'labs' };

export function parseRoute(hash: string): Route {
  const [path = '', qs = ''] = hash.replace(/^#/, '').split('?', 2);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const q = new URLSearchParams(qs);
  if (parts[0] === 'node' && parts[1])
    return parts[2] === 'serial' ? { page: 'serial', id: parts[1] } : { page: 'node', id: parts[1] };
  if (parts[0] === 'labs') return { page: 'labs' };
  if (parts[0] === 'timeline') return { page: 'timeline', node: q.get('node') ?? '', kind: q.get('kind') ?? '' };
  return { page: 'rack' };
}

export const hrefNode = (id: string) => `#/node/${encodeURIComponent(id)}`;
export const hrefSerial = (id: string) => `#/node/${encodeURIComponent(id)}/serial`;
export const hrefLabs = () => '#/labs';
export function hrefTimeline(node = '', kind = ''): string {
  const q = new URLSearchParams();
  if (node) q.set('node', node);
  if (kind) q.set('kind', kind);
  const s = q.toString();
  return `#/timeline${s ? `?${s}` : ''}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
