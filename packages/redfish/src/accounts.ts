/** Accounts with hashed passwords (scrypt) and the three standard roles, enforced by privilege. */
import { createHmac, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Logger, StateFile } from '@bmc-emu/core';

export const ROLES = ['Administrator', 'Operator', 'ReadOnly'] as const;
export type Role = (typeof ROLES)[number];

export const PRIVILEGES = [
  'Login',
  'ConfigureManager',
  'ConfigureUsers',
  'ConfigureSelf',
  'ConfigureComponents',
] as const;
export type Privilege = (typeof PRIVILEGES)[number];

export const ROLE_PRIVILEGES: Record<Role, Privilege[]> = {
  Administrator: [...PRIVILEGES],
  Operator: ['Login', 'ConfigureSelf', 'ConfigureComponents'],
  ReadOnly: ['Login', 'ConfigureSelf'],
};

export interface Account {
  id: string;
  userName: string;
  role: Role;
  enabled: boolean;
  locked: boolean;
  salt: Buffer;
  hash: Buffer;
}

const SCRYPT = { N: 16384, r: 8, p: 1 } as const;
const VERIFIED_TTL_MS = 60_000;

function hashPassword(password: string, salt: Buffer): Buffer {
  return scryptSync(password, salt, 32, SCRYPT);
}

/** Accounts kept elsewhere (an htpasswd file) that log in as Administrators, by HTTP Basic or a session. */
export interface PasswordFile {
  verify(user: string, password: string): boolean;
  /**
   * A value that changes when the user's entry changes (its sessions end then), undefined once it is gone.
   * Compared, never shown: it may be derived from the stored hash.
   */
  stamp(user: string): string | undefined;
}

export class AccountStore {
  private readonly accounts = new Map<string, Account>();
  private nextId = 1;
  /** HMAC(secret, user\0password) -> expiry: spares a 50 ms scrypt on every Basic-auth request. */
  private readonly verified = new Map<string, number>();
  private readonly secret = randomBytes(32);

  private readonly state: StateFile | undefined;

  /**
   * `file`: keep accounts (hashes only) there across restarts. The configured admin always exists, is an
   * Administrator and has the configured password: the config stays the way back in.
   */
  constructor(admin: { userName: string; password: string }, file?: string, logger?: Logger) {
    this.state = file
      ? new StateFile({ path: file, mode: 0o600, what: 'Redfish accounts', ...(logger ? { logger } : {}) })
      : undefined;
    if (file) this.load(file);
    const existing = this.byName(admin.userName);
    if (existing) {
      existing.role = 'Administrator';
      existing.enabled = true;
      if (!timingSafeEqual(hashPassword(admin.password, existing.salt), existing.hash)) {
        existing.salt = randomBytes(16);
        existing.hash = hashPassword(admin.password, existing.salt);
      }
    } else {
      this.create(admin.userName, admin.password, 'Administrator');
    }
    this.save();
  }

  /** Resolves when every change so far is on disk (or its write failed and was logged). */
  async flush(): Promise<void> {
    await this.state?.flush();
  }

  private load(file: string): void {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return;
    }
    const saved = JSON.parse(text) as {
      accounts: Array<{ id: string; userName: string; role: Role; enabled: boolean; salt: string; hash: string }>;
    };
    for (const a of saved.accounts) {
      if (!ROLES.includes(a.role)) continue;
      this.accounts.set(a.id, {
        ...a,
        locked: false,
        salt: Buffer.from(a.salt, 'hex'),
        hash: Buffer.from(a.hash, 'hex'),
      });
      this.nextId = Math.max(this.nextId, Number(a.id) + 1);
    }
  }

  private save(): void {
    this.state?.save(() =>
      JSON.stringify({
        accounts: this.list().map((a) => ({
          id: a.id,
          userName: a.userName,
          role: a.role,
          enabled: a.enabled,
          salt: a.salt.toString('hex'),
          hash: a.hash.toString('hex'),
        })),
      }),
    );
  }

  list(): Account[] {
    return [...this.accounts.values()];
  }

  get(id: string): Account | undefined {
    return this.accounts.get(id);
  }

  byName(userName: string): Account | undefined {
    for (const a of this.accounts.values()) if (a.userName === userName) return a;
    return undefined;
  }

  create(userName: string, password: string, role: Role): Account {
    const salt = randomBytes(16);
    const a: Account = {
      id: String(this.nextId++),
      userName,
      role,
      enabled: true,
      locked: false,
      salt,
      hash: hashPassword(password, salt),
    };
    this.accounts.set(a.id, a);
    this.save();
    return a;
  }

  update(id: string, patch: { userName?: string; password?: string; role?: Role; enabled?: boolean }): void {
    const a = this.accounts.get(id);
    if (!a) return;
    if (patch.userName !== undefined) a.userName = patch.userName;
    if (patch.role !== undefined) a.role = patch.role;
    if (patch.enabled !== undefined) a.enabled = patch.enabled;
    if (patch.password !== undefined) {
      a.salt = randomBytes(16);
      a.hash = hashPassword(patch.password, a.salt);
    }
    this.verified.clear();
    this.save();
  }

  remove(id: string): boolean {
    this.verified.clear();
    const gone = this.accounts.delete(id);
    this.save();
    return gone;
  }

  /** The account when the credentials are right and the account may log in. */
  verify(userName: string, password: string): Account | undefined {
    const a = this.byName(userName);
    if (!a?.enabled || a.locked) return undefined;
    const key = createHmac('sha256', this.secret).update(`${a.id}\0${userName}\0${password}`).digest('base64');
    const until = this.verified.get(key);
    if (until !== undefined && until > Date.now()) return a;
    const h = hashPassword(password, a.salt);
    if (!timingSafeEqual(h, a.hash)) return undefined;
    if (this.verified.size > 1000) this.verified.clear();
    this.verified.set(key, Date.now() + VERIFIED_TTL_MS);
    return a;
  }
}

export function roleHas(role: Role, p: Privilege): boolean {
  return ROLE_PRIVILEGES[role].includes(p);
}
