/** The console's JSON API (same origin, the session cookie rides along). */
import type { NodeView, User } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function api<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`/console/api/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const msg = (json as { error?: { message?: string } } | undefined)?.error?.message ?? res.statusText;
    throw new ApiError(res.status, msg);
  }
  return json as T;
}

export const me = () => api<{ user: User | null }>('me');
export const login = (userName: string, password: string) => api<{ user: User }>('login', { userName, password });
export const logout = () => api<unknown>('logout', {});
export const nodeAction = (id: string, what: string, body: unknown) =>
  api<NodeView>(`nodes/${encodeURIComponent(id)}/${what}`, body);
