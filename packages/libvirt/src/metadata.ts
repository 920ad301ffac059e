import { type BiosAttributes, type BootEnabled, type BootMode, type BootTarget, DEFAULT_BIOS } from '@bmc-emu/core';
import { child, type XmlEl } from './xml.js';

/** Namespace of the bmc-emu element inside a domain's `<metadata>`. */
export const METADATA_NS = 'https://bmc-emu.dev/xmlns/libvirt/1';
const ELEMENT = 'bmcemu:state';

/** What the domain's boot configuration was before an override rewrote it (restored on revert). */
export interface SavedBoot {
  /** `<os><boot dev=...>` in order. */
  devs: string[];
  /** Per-device `<boot order>`, keyed by deviceKey(). */
  orders: Record<string, number>;
}

/**
 * Everything libvirt has no place for, kept with the domain itself so it survives bmc-emu restarts and
 * is shared by every bmc-emu instance pointed at the same hypervisor.
 */
export interface BmcState {
  boot: { target: BootTarget; enabled: BootEnabled; httpBootUri?: string };
  savedBoot?: SavedBoot;
  bios: { attributes: BiosAttributes; pending: BiosAttributes };
  media: Partial<Record<string, { image: string; path: string }>>;
  lastBoot?: { target: BootTarget; mode: BootMode; at: string; secure: boolean };
  /** Firmware settings changed: start with a fresh NVRAM from the (new) template. */
  resetNvram?: boolean;
}

export function defaultState(): BmcState {
  return {
    boot: { target: 'None', enabled: 'Disabled' },
    bios: { attributes: { ...DEFAULT_BIOS }, pending: {} },
    media: {},
  };
}

/** Read the bmc-emu state from a parsed `<domain>`; defaults when absent or unreadable. */
export function readState(domain: XmlEl): BmcState {
  const el = child(child(domain, 'metadata'), ELEMENT);
  const raw = typeof el?._ === 'string' ? el._ : undefined;
  const base = defaultState();
  if (!raw) return base;
  try {
    const parsed = JSON.parse(raw) as Partial<BmcState>;
    return {
      ...base,
      ...parsed,
      boot: { ...base.boot, ...(parsed.boot ?? {}) },
      bios: {
        attributes: { ...base.bios.attributes, ...(parsed.bios?.attributes ?? {}) },
        pending: { ...(parsed.bios?.pending ?? {}) },
      },
      media: { ...(parsed.media ?? {}) },
    };
  } catch {
    return base;
  }
}

/** Write the state into a parsed `<domain>` (other applications' metadata stays). */
export function writeState(domain: XmlEl, state: BmcState): void {
  let meta = child(domain, 'metadata');
  if (!meta) {
    meta = {};
    domain.metadata = [meta];
  }
  meta[ELEMENT] = [{ $: { 'xmlns:bmcemu': METADATA_NS }, _: JSON.stringify(state) }];
}
