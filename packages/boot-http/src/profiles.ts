/** Which boot settings apply to a node: its own entry (by MAC, UUID or name) over its role's entry. */
import type { Node } from '@bmc-emu/core';
import { normalizeMac } from '@bmc-emu/core';
import type { HttpSection } from './config-section.js';

export type HttpConfig = HttpSection;
export type BootProfile = HttpConfig['roles'][string];

export interface ResolvedProfile {
  role?: string;
  profile: BootProfile;
  /** true when the node has its own entry, or the driver knows it and its role has one. */
  configured: boolean;
}

function macKey(k: string): string {
  try {
    return normalizeMac(k);
  } catch {
    return k.toLowerCase();
  }
}

export class ProfileTable {
  private readonly nodes = new Map<string, BootProfile>();

  constructor(private readonly cfg: Pick<HttpConfig, 'roles' | 'nodes' | 'defaultRole'>) {
    for (const [k, v] of Object.entries(cfg.nodes)) this.nodes.set(macKey(k), v);
  }

  /** Profile for a MAC, optionally with the driver's node that owns it. */
  resolve(mac: string | undefined, node: Node | undefined): ResolvedProfile {
    const keys = [mac, node?.id, node?.name, ...(node?.nics.map((n) => n.mac) ?? [])].filter(
      (k): k is string => typeof k === 'string',
    );
    let own: BootProfile | undefined;
    for (const k of keys) {
      own = this.nodes.get(macKey(k));
      if (own) break;
    }
    const role = own?.role ?? this.cfg.defaultRole;
    const roleProfile = role ? this.cfg.roles[role] : undefined;
    const profile: BootProfile = { ...(roleProfile ?? {}) };
    for (const [k, v] of Object.entries(own ?? {})) {
      if (v !== undefined) (profile as Record<string, unknown>)[k] = v;
    }
    // the default role applies to nodes the driver knows, never to any MAC that happens to ask
    const roleApplies = own !== undefined || (node !== undefined && roleProfile !== undefined);
    return { role, profile, configured: roleApplies };
  }
}
