import type { Logger, NodeDriver, Telemetry } from '@bmc-emu/core';
import type { BootValidBit } from '../boot-valid-bit.js';
import type { BootFlags } from '../codec/boot-flags.js';
import type { IpmiRequest } from '../codec/message.js';
import type { Session, SessionTable } from '../sessions.js';

export const LAN_CHANNEL = 1;
export const NETFN = {
  chassis: 0x00,
  sensor: 0x04,
  app: 0x06,
  storage: 0x0a,
  transport: 0x0c,
  groupExt: 0x2c,
} as const;

export interface Credentials {
  user: string;
  password: string;
}

/** IPMI-only state of one BMC (the protocol's bookkeeping, never a copy of the node). */
export interface BmcProtocolState {
  bootSetInProgress: number;
  bootValidBitClearing: number;
  bootInfoAck: number;
  servicePartitionSelector: number;
  servicePartitionScan: number;
  /** The last param 5 a client wrote; read back verbatim while it still describes the node. */
  lastBootFlags?: BootFlags;
  identifyUntil: number;
  /** Reserve SDR Repository / Reserve SEL hand these out; 0 = none given yet. */
  sdrReservation: number;
  selReservation: number;
  /** LAN parameter 0 (set in progress). */
  lanSetInProgress: number;
}

export function newProtocolState(): BmcProtocolState {
  return {
    bootSetInProgress: 0,
    bootValidBitClearing: 0,
    bootInfoAck: 0,
    servicePartitionSelector: 0,
    servicePartitionScan: 0,
    identifyUntil: 0,
    sdrReservation: 0,
    selReservation: 0,
    lanSetInProgress: 0,
  };
}

export interface SolControl {
  activate(session: Session): Promise<void>;
  deactivate(session: Session): void;
}

export interface CommandContext {
  driver: NodeDriver;
  nodeId: string;
  credentials: Credentials;
  state: BmcProtocolState;
  sessions: SessionTable;
  /** Undefined for sessionless requests (Get Channel Auth Caps, Cipher Suites, Session Challenge). */
  session: Session | undefined;
  /** 1.5 or 2.0 framing of the request. */
  framing: '1.5' | '2.0';
  ipmi15: boolean;
  kgSet: boolean;
  port: number;
  /** The address this BMC's socket is bound to (LAN parameter 3). */
  address: string;
  /** The node's sensors and System Event Log (shared with Redfish). */
  telemetry: Telemetry;
  sol: SolControl;
  logger: Logger;
  /** When the boot flag valid bit is cleared (timer, resets, param 3). */
  bootValid: BootValidBit;
  /** How long a power action may take before the answer goes out anyway (it completes in the background). */
  powerAnswerMs: number;
  /** Set by Close Session: the reply is still sent in the session, then it is dropped. */
  closeSessionAfterReply?: number;
}

export interface CommandResult {
  cc: number;
  data?: Uint8Array;
}

export type CommandHandler = (ctx: CommandContext, req: IpmiRequest) => Promise<CommandResult> | CommandResult;

export interface CommandSpec {
  netFn: number;
  cmd: number;
  /** Lowest session privilege allowed; 0 = allowed outside a session. */
  privilege: number;
  handler: CommandHandler;
}

export const ok = (data: Uint8Array | number[] = []): CommandResult => ({ cc: 0, data: Buffer.from(data) });
export const fail = (cc: number): CommandResult => ({ cc });

/** Who is asking, as SEL entries name them: "IPMI user admin". */
export function ipmiActor(ctx: CommandContext): string {
  const name = ctx.session?.userName.length ? ctx.session.userName.toString('latin1') : ctx.credentials.user;
  return `IPMI user ${name}`;
}
