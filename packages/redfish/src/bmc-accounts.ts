/** Registered BMCs' own accounts as Redfish principals: Operators limited to their own nodes, never stored. */
import { createHmac, randomBytes } from 'node:crypto';
import type { BmcDirectory, BmcEntry } from '@bmc-emu/core';
import type { Account, Role } from './accounts.js';
import type { Principal } from './route.js';

/** An account that lives outside the AccountStore (a BMC's own, an htpasswd entry): no hash is kept here. */
export function externalAccount(userName: string, role: Role, id: string): Account {
  return { id, userName, role, enabled: true, locked: false, salt: Buffer.alloc(0), hash: Buffer.alloc(0) };
}

export class BmcAccounts {
  /** Keys the account ids: an id says which credentials it stands for to this process only. */
  private readonly secret = randomBytes(32);

  constructor(private readonly directory: BmcDirectory) {}

  /**
   * The same user with another password is another account (two BMCs may share a user name), so the id is
   * keyed on both: sessions and their listing are per credentials, as Basic auth scopes are.
   */
  private idOf(user: string, password: string): string {
    return `bmc:${createHmac('sha256', this.secret).update(`${user}\0${password}`).digest('base64url')}`;
  }

  /** The principal for these credentials, when an active BMC has them as its own account. */
  verify(user: string, password: string): Principal | undefined {
    return this.principal(user, this.idOf(user, password), this.directory.withAccount(user, password));
  }

  /**
   * The principal an account id stands for now (a session re-checks on every use): undefined once no active
   * BMC has those credentials, and the nodes of the BMCs that still do.
   */
  current(user: string, id: string): Principal | undefined {
    const still = this.directory
      .all()
      .filter((e) => e.active && e.user === user && e.password !== undefined && this.idOf(user, e.password) === id);
    return this.principal(user, id, still);
  }

  private principal(user: string, id: string, entries: BmcEntry[]): Principal | undefined {
    if (entries.length === 0) return undefined;
    return { account: externalAccount(user, 'Operator', id), nodes: entries.map((e) => e.node) };
  }
}
