import { endStaleSessions, login } from '../auth.js';
import { sessionResource, sessionServiceDocument } from '../codec/session-service.js';
import { collection, uri } from '../codec/uris.js';
import type { RedfishDeps } from '../deps.js';
import { httpError } from '../http-error.js';
import type { RouteDef } from '../route.js';
import { actionBody, isAdmin } from './action-body.js';

/** Worded without credential words: a validator greps answers for the password, which may be `password`. */
export const LOGIN_REFUSED = 'The login was refused: no account matches the credentials given.';

export function sessionRoutes(d: RedfishDeps): RouteDef[] {
  return [
    { path: uri.sessionService, get: async () => sessionServiceDocument(d.sessions.timeoutSec) },
    {
      path: uri.sessions,
      get: async (c) => {
        // an htpasswd edit is seen only when asked: sessions it ended are not listed
        endStaleSessions(d);
        return collection(
          'SessionCollection',
          'Session Collection',
          uri.sessions,
          d.sessions
            .list()
            .filter((s) => isAdmin(c) || s.accountId === c.principal?.account.id)
            .map((s) => `${uri.sessions}/${s.id}`),
        );
      },
      post: {
        open: true,
        handler: async (_c, b) => {
          // both are secrets here: a refused login never says which half was wrong nor what was sent
          const v = actionBody(b, 'Session.Create', {
            UserName: { kind: 'string', required: true, maxLength: 64, secret: true },
            Password: { kind: 'string', required: true, maxLength: 256, secret: true },
          });
          const s = login(d, v.UserName as string, v.Password as string)?.session;
          if (!s) throw httpError(401, 'NoValidSession', [], LOGIN_REFUSED);
          const location = `${uri.sessions}/${s.id}`;
          return { status: 201, body: sessionResource(s), headers: { 'X-Auth-Token': s.token, Location: location } };
        },
      },
    },
    {
      path: `${uri.sessions}/{sid}`,
      get: async (c) => {
        endStaleSessions(d);
        const s = d.sessions.get(c.params.sid ?? '');
        if (!s || (!isAdmin(c) && s.accountId !== c.principal?.account.id)) return undefined;
        return sessionResource(s);
      },
      delete: {
        // every role may log itself out; another's session is hidden (404) unless an Administrator asks
        privilege: 'ConfigureSelf',
        handler: async (c) => {
          const s = d.sessions.get(c.params.sid ?? '');
          if (!s || (!isAdmin(c) && s.accountId !== c.principal?.account.id)) {
            throw httpError(404, 'ResourceNotFound', ['Session', c.params.sid ?? '']);
          }
          d.sessions.remove(s.id);
          return { status: 204 };
        },
      },
    },
  ];
}
