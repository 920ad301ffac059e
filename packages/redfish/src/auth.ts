import type { BmcDirectory } from '@bmc-emu/core';
import type { RedfishRequest } from './http-request.js';
import type { AccountStore, PasswordFile } from './accounts.js';
import { httpError } from './http-error.js';
import type { Principal } from './route.js';
import type { SessionStore } from './sessions.js';

/** Who is calling: X-Auth-Token (session) or HTTP Basic. Throws 401 when neither is valid. */
/** A registered BMC's own account, as an Operator (power, boot, media) limited to its nodes; never stored. */
function externalAccount(user: string, role: 'Administrator' | 'Operator', id: string) {
  return { id, userName: user, role, enabled: true, locked: false, salt: Buffer.alloc(0), hash: Buffer.alloc(0) };
}

function bmcPrincipal(directory: BmcDirectory | undefined, user: string, password: string): Principal | undefined {
  const nodes = directory?.withAccount(user, password) ?? [];
  if (nodes.length === 0) return undefined;
  return { account: externalAccount(user, 'Operator', `bmc:${user}`), nodes: nodes.map((n) => n.node) };
}

export function authenticate(
  req: RedfishRequest,
  accounts: AccountStore,
  sessions: SessionStore,
  directory?: BmcDirectory,
  passwordFile?: PasswordFile,
): Principal {
  const token = req.headers['x-auth-token'];
  if (typeof token === 'string' && token !== '') {
    const s = sessions.touch(token);
    const a = s ? accounts.get(s.accountId) : undefined;
    if (!s || !a?.enabled)
      throw httpError(401, 'NoValidSession', [], 'The X-Auth-Token is unknown or its session expired; log in again.');
    return { account: a, session: s };
  }
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^basic /i.test(auth)) {
    const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      const [user, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
      const a = accounts.verify(user, password);
      if (a) return { account: a };
      if (passwordFile?.verify(user, password))
        return { account: externalAccount(user, 'Administrator', `htpasswd:${user}`) };
      const bmc = bmcPrincipal(directory, user, password);
      if (bmc) return bmc;
    }
  }
  throw httpError(401, 'NoValidSession', [], 'Authentication required: HTTP Basic or an X-Auth-Token from a session.');
}
