import { randomBytes } from 'node:crypto';
import type { CipherSuite } from './codec/cipher-suites.js';
import type { RakpContext } from './codec/rakp.js';
import type { SessionKeys } from './codec/rmcp-plus.js';
import { SequenceWindow } from './seq-window.js';

export type SessionState = 'challenge' | 'opened' | 'rakp2-sent' | 'active';

export interface Peer {
  address: string;
  port: number;
}

/** One IPMI session of one BMC: 1.5 (MD5) or 2.0 (RMCP+). */
export interface Session {
  version: '1.5' | '2.0';
  state: SessionState;
  /** The id the BMC chose; clients put it in every packet they send. */
  bmcSessionId: number;
  /** RMCP+ only: the id the console chose; the BMC puts it in every packet it sends. */
  consoleSessionId: number;
  /** 1 .. 255, for Get Session Info. */
  handle: number;
  peer: Peer;
  userId: number;
  userName: Buffer;
  /** Highest privilege this session may take, and the one it has now. */
  maxPrivilege: number;
  privilege: number;
  suite?: CipherSuite;
  keys?: SessionKeys;
  rakp?: RakpContext;
  /** IPMI 1.5: the challenge handed out by Get Session Challenge. */
  challenge?: Buffer;
  inbound: SequenceWindow;
  outboundSequence: number;
  lastActivity: number;
  /** Set by a payload activation; cleared on deactivation/close. */
  solActive: boolean;
}

export interface SessionLimits {
  maxSessions: number;
  idleTimeoutMs: number;
  /** Handshakes that never finish are forgotten sooner than idle sessions. */
  handshakeTimeoutMs: number;
}

/** The sessions of one BMC endpoint. */
export class SessionTable {
  private readonly byId = new Map<number, Session>();
  private nextHandle = 1;

  constructor(private readonly limits: SessionLimits) {}

  get size(): number {
    return this.byId.size;
  }

  get activeCount(): number {
    let n = 0;
    for (const s of this.byId.values()) if (s.state === 'active') n++;
    return n;
  }

  get maxSessions(): number {
    return this.limits.maxSessions;
  }

  get(id: number): Session | undefined {
    return this.byId.get(id >>> 0);
  }

  all(): Session[] {
    return [...this.byId.values()];
  }

  /** A new half-open session, or undefined when the BMC is full even after evicting stale handshakes. */
  create(init: Pick<Session, 'version' | 'state' | 'peer' | 'consoleSessionId' | 'maxPrivilege'>): Session | undefined {
    this.expire();
    if (this.byId.size >= this.limits.maxSessions) {
      const oldestHandshake = this.all()
        .filter((s) => s.state !== 'active')
        .sort((a, b) => a.lastActivity - b.lastActivity)[0];
      if (!oldestHandshake) return undefined;
      this.byId.delete(oldestHandshake.bmcSessionId);
    }
    let id = 0;
    while (id === 0 || this.byId.has(id)) id = randomBytes(4).readUInt32LE(0);
    const session: Session = {
      ...init,
      bmcSessionId: id,
      handle: this.allocateHandle(),
      userId: 0,
      userName: Buffer.alloc(0),
      privilege: 0,
      inbound: new SequenceWindow(),
      outboundSequence: 1,
      lastActivity: Date.now(),
      solActive: false,
    };
    this.byId.set(id, session);
    return session;
  }

  close(id: number): Session | undefined {
    const s = this.byId.get(id >>> 0);
    if (s) this.byId.delete(s.bmcSessionId);
    return s;
  }

  /** Drop sessions idle past their timeout; returns the ones dropped. */
  expire(now = Date.now()): Session[] {
    const dropped: Session[] = [];
    for (const s of this.byId.values()) {
      const limit = s.state === 'active' ? this.limits.idleTimeoutMs : this.limits.handshakeTimeoutMs;
      if (now - s.lastActivity > limit) {
        this.byId.delete(s.bmcSessionId);
        dropped.push(s);
      }
    }
    return dropped;
  }

  clear(): Session[] {
    const all = this.all();
    this.byId.clear();
    return all;
  }

  private allocateHandle(): number {
    const used = new Set(this.all().map((s) => s.handle));
    for (let i = 0; i < 255; i++) {
      const h = ((this.nextHandle + i - 1) % 255) + 1;
      if (!used.has(h)) {
        this.nextHandle = (h % 255) + 1;
        return h;
      }
    }
    return 0;
  }
}
