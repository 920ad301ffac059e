/**
 * Which boot file or script a PXE client gets, decided in one place and shared by DHCP, TFTP and
 * boot HTTP, so that an iPXE client is never handed iPXE again (no boot loop).
 */
import { tryNormalizeMac } from './net/mac.js';

/** RFC 4578 option 93 client system architecture types that matter here. */
export const PxeArch = {
  BiosX86: 0,
  EfiIa32: 6,
  EfiBc: 7,
  EfiX64: 9,
  EfiArm64: 11,
  EfiX64Http: 16,
  EfiArm64Http: 19,
} as const;

export interface PxeClientInfo {
  mac: string;
  /** Option 93; undefined when the client sent none. */
  arch?: number;
  /** Option 60. */
  vendorClass?: string;
  /** Option 77 entries. */
  userClass?: string[];
  /** Option 175 present or user class "iPXE". */
  isIpxe: boolean;
}

export type BootDecision =
  | { kind: 'none' }
  | { kind: 'tftp'; file: string }
  | { kind: 'http'; url: string /** echo HTTPClient in option 60 (UEFI HTTP boot) */; httpClient: boolean };

export interface BootPolicyOptions {
  /** Base URL of the boot HTTP server, e.g. http://172.30.0.1:8080 */
  httpBaseUrl: string;
  biosFile?: string;
  efiX64File?: string;
  efiIa32File?: string;
  efiArm64File?: string;
  /** Per-MAC overrides: a file name (TFTP) or a URL (http/https), or false for "no PXE". */
  perMac?: Record<string, string | false>;
}

export class BootPolicy {
  private readonly perMac: Map<string, string | false>;

  constructor(private readonly opts: BootPolicyOptions) {
    this.perMac = new Map(Object.entries(opts.perMac ?? {}).map(([m, v]) => [macKey(m), v]));
  }

  /** URL of the iPXE script an iPXE client should chain. */
  ipxeScriptUrl(): string {
    return `${this.opts.httpBaseUrl.replace(/\/$/, '')}/boot.ipxe`;
  }

  decide(client: PxeClientInfo): BootDecision {
    const override = this.perMac.get(macKey(client.mac));
    if (override === false) return { kind: 'none' };
    if (client.isIpxe) return { kind: 'http', url: this.ipxeScriptUrl(), httpClient: false };
    const httpBoot =
      client.arch === PxeArch.EfiX64Http ||
      client.arch === PxeArch.EfiArm64Http ||
      (client.vendorClass?.startsWith('HTTPClient') ?? false);
    if (typeof override === 'string') {
      return /^https?:\/\//.test(override)
        ? { kind: 'http', url: override, httpClient: httpBoot }
        : { kind: 'tftp', file: override };
    }
    if (httpBoot) {
      const base = this.opts.httpBaseUrl.replace(/\/$/, '');
      const file = client.arch === PxeArch.EfiArm64Http ? this.arm64() : this.efiX64();
      return { kind: 'http', url: `${base}/ipxe/${file}`, httpClient: true };
    }
    switch (client.arch) {
      case undefined:
      case PxeArch.BiosX86:
        return { kind: 'tftp', file: this.opts.biosFile ?? 'undionly.kpxe' };
      case PxeArch.EfiIa32:
        return { kind: 'tftp', file: this.opts.efiIa32File ?? 'ipxe-ia32.efi' };
      case PxeArch.EfiBc:
      case PxeArch.EfiX64:
        return { kind: 'tftp', file: this.efiX64() };
      case PxeArch.EfiArm64:
        return { kind: 'tftp', file: this.arm64() };
      default:
        return { kind: 'none' };
    }
  }

  private efiX64(): string {
    return this.opts.efiX64File ?? 'snponly.efi';
  }

  private arm64(): string {
    return this.opts.efiArm64File ?? 'snponly-arm64.efi';
  }
}

function macKey(mac: string): string {
  return tryNormalizeMac(mac) ?? mac.toLowerCase();
}
