import type { AccountStore, PasswordFile } from './accounts.js';
import { type BmcAccounts, externalAccount } from './bmc-accounts.js';
import { httpError } from './http-error.js';
import type { RedfishRequest } from './http-request.js';
import type { Principal } from './route.js';
import type { Session, SessionOrigin, SessionStore } from './sessions.js';

/** Where credentials are checked. Without `bmcAccounts` / `passwordFile`, only the store's accounts log in. */
export interface Authority {
  accounts: AccountStore;
  sessions: SessionStore;
  bmcAccounts?: BmcAccounts | undefined;
  passwordFile?: PasswordFile | undefined;
}

export interface Verified {
  principal: Principal;
  /** What a session for these credentials re-checks on each use. */
  origin: SessionOrigin;
}

/**
 * One rule for HTTP Basic and session login: an account of the store, else an htpasswd entry
 * (Administrator), else a registered BMC's own account (Operator on its own nodes).
 */
export function verifyCredentials(auth: Authority, user: string, password: string): Verified | undefined {
  const a = auth.accounts.verify(user, password);
  if (a) return { principal: { account: a }, origin: { kind: 'local' } };
  if (auth.passwordFile?.verify(user, password)) {
    const stamp = auth.passwordFile.stamp(user);
    if (stamp !== undefined)
      return {
        principal: { account: externalAccount(user, 'Administrator', `htpasswd:${user}`) },
        origin: { kind: 'htpasswd', stamp },
      };
  }
  const bmc = auth.bmcAccounts?.verify(user, password);
  return bmc ? { principal: bmc, origin: { kind: 'bmc' } } : undefined;
}

/** A new session for the credentials, or undefined when they are refused. */
export function login(
  auth: Authority,
  user: string,
  password: string,
): { session: Session; principal: Principal } | undefined {
  const v = verifyCredentials(auth, user, password);
  if (!v) return undefined;
  const session = auth.sessions.create(v.principal.account.id, v.principal.account.userName, v.origin);
  return { session, principal: { ...v.principal, session } };
}

/** Who a session stands for now: undefined once the account that granted it is disabled, changed or gone. */
export function sessionPrincipal(auth: Authority, s: Session): Principal | undefined {
  switch (s.origin.kind) {
    case 'local': {
      const a = auth.accounts.get(s.accountId);
      return a?.enabled ? { account: a, session: s } : undefined;
    }
    case 'htpasswd':
      return auth.passwordFile?.stamp(s.userName) === s.origin.stamp
        ? { account: externalAccount(s.userName, 'Administrator', s.accountId), session: s }
        : undefined;
    case 'bmc': {
      const p = auth.bmcAccounts?.current(s.userName, s.accountId);
      return p ? { ...p, session: s } : undefined;
    }
  }
}

/** Ends the sessions whose account no longer grants them (called when the BMC registry changes). */
export function endStaleSessions(auth: Authority): void {
  auth.sessions.removeWhere((s) => sessionPrincipal(auth, s) === undefined);
}

/** Who is calling: X-Auth-Token (session) or HTTP Basic. Throws 401 when neither is valid. */
export function authenticate(req: RedfishRequest, auth: Authority): Principal {
  const token = req.headers['x-auth-token'];
  if (typeof token === 'string' && token !== '') {
    const s = auth.sessions.touch(token);
    const p = s ? sessionPrincipal(auth, s) : undefined;
    if (!p) {
      if (s) auth.sessions.remove(s.id);
      throw httpError(401, 'NoValidSession', [], 'The X-Auth-Token is unknown or its session expired; log in again.');
    }
    return p;
  }
  const header = req.headers.authorization;
  if (typeof header === 'string' && /^basic /i.test(header)) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      const v = verifyCredentials(auth, decoded.slice(0, colon), decoded.slice(colon + 1));
      if (v) return v.principal;
    }
  }
  throw httpError(401, 'NoValidSession', [], 'Authentication required: HTTP Basic or an X-Auth-Token from a session.');
}
