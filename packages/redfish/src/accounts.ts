/** Accounts with hashed passwords (scrypt) and the three standard roles, enforced by privilege. */
import { createHmac, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

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

export class AccountStore {
  private readonly accounts = new Map<string, Account>();
  private nextId = 1;
  /** HMAC(secret, user\0password) -> expiry: spares a 50 ms scrypt on every Basic-auth request. */
  private readonly verified = new Map<string, number>();
  private readonly secret = randomBytes(32);

  constructor(admin: { userName: string; password: string }) {
    this.create(admin.userName, admin.password, 'Administrator');
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
  }

  remove(id: string): boolean {
    this.verified.clear();
    return this.accounts.delete(id);
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
