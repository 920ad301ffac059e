/**
 * Option negotiation (RFC 2347 blksize/tsize/timeout per 2348/2349, windowsize per 7440).
 * Pure: requested options + server limits in, the settings to use and the OACK to send out.
 * Only options the client asked for are ever echoed; invalid or unknown ones are silently dropped.
 */
import { MAX_BLKSIZE, type TftpOptions } from './packet.js';

export const DEFAULT_BLKSIZE = 512;
export const MIN_BLKSIZE = 8;
export const MAX_WINDOWSIZE = 65535;

export interface NegotiationLimits {
  /** Largest blksize this server will use (already capped at the MTU - 32). */
  maxBlksize: number;
  /** Largest windowsize this server will use. */
  maxWindowsize: number;
  /** File size in bytes for a read, when known up front (tsize is answered only then). */
  fileSize?: number;
  /** True for RRQ, false for WRQ (tsize then carries the size the client is about to send). */
  isRead: boolean;
}

export interface Negotiated {
  blksize: number;
  windowsize: number;
  /** Retransmission timeout asked for by the client, in ms; undefined when the client did not ask. */
  timeoutMs?: number;
  /** tsize the client announced on a WRQ. */
  incomingSize?: number;
  /** Options for the OACK; empty means no OACK (plain RFC 1350 transfer). */
  oack: TftpOptions;
  /** True when the client asked for tsize on a read (UEFI firmware probes with tsize=0 then aborts). */
  tsizeRequested: boolean;
}

function intOption(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d{1,10}$/.test(v)) return undefined;
  return Number(v);
}

export function negotiate(requested: TftpOptions, limits: NegotiationLimits): Negotiated {
  const oack: TftpOptions = {};
  const out: Negotiated = { blksize: DEFAULT_BLKSIZE, windowsize: 1, oack, tsizeRequested: false };

  const blksize = intOption(requested.blksize);
  if (blksize !== undefined && blksize >= MIN_BLKSIZE && blksize <= MAX_BLKSIZE) {
    out.blksize = Math.min(blksize, Math.max(MIN_BLKSIZE, Math.min(limits.maxBlksize, MAX_BLKSIZE)));
    oack.blksize = String(out.blksize);
  }

  const timeout = intOption(requested.timeout);
  if (timeout !== undefined && timeout >= 1 && timeout <= 255) {
    out.timeoutMs = timeout * 1000;
    oack.timeout = String(timeout);
  }

  const tsize = intOption(requested.tsize);
  if (tsize !== undefined) {
    if (limits.isRead) {
      out.tsizeRequested = true;
      if (limits.fileSize !== undefined) oack.tsize = String(limits.fileSize);
    } else {
      out.incomingSize = tsize;
      oack.tsize = String(tsize);
    }
  }

  const windowsize = intOption(requested.windowsize);
  if (windowsize !== undefined && windowsize >= 1 && windowsize <= MAX_WINDOWSIZE) {
    out.windowsize = Math.min(windowsize, Math.max(1, limits.maxWindowsize));
    oack.windowsize = String(out.windowsize);
  }
  return out;
}
