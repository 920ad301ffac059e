import type { Node, NodeEvent, PowerAction } from '../node.js';
import { bootEntry, mediaEntry, type NewSelEntry, powerEntry, type SelPowerEvent } from './entry.js';

export type AttributedKind = 'power' | 'boot' | 'media';

interface Note {
  kind: AttributedKind;
  actor: string;
  action?: PowerAction;
  until: number;
}

interface Seen {
  power: 'On' | 'Off';
  lastBootAt: string | undefined;
  boot: string;
  media: Map<string, string | undefined>;
}

const NOTE_TTL_MS = 60_000;

const RESTART_EVENT: Partial<Record<PowerAction, SelPowerEvent>> = {
  ForceRestart: 'HardReset',
  GracefulRestart: 'WarmReset',
  PowerCycle: 'PowerCycle',
};

function seen(n: Node): Seen {
  return {
    power: n.powerState === 'On' || n.powerState === 'PoweringOff' ? 'On' : 'Off',
    lastBootAt: n.lastBoot?.at,
    boot: `${n.boot.target}/${n.boot.enabled}`,
    media: new Map(n.media.map((m) => [m.slot, m.inserted ? (m.image ?? '') : undefined])),
  };
}

/**
 * Turns driver events into SEL entries: power on/off/reset, boot override and media changes. A front
 * end that is about to act tells who asks (`note`), so the entry names the IPMI or Redfish user;
 * changes nobody noted were made outside bmc-emu (virsh, another libvirt client).
 */
export class SelRecorder {
  private readonly state = new Map<string, Seen>();
  private readonly notes = new Map<string, Note[]>();

  constructor(
    private readonly add: (nodeId: string, entry: NewSelEntry) => void,
    private readonly outsider: (node: Node) => string,
    private readonly now: () => number = Date.now,
  ) {}

  seed(node: Node): void {
    this.state.set(node.id, seen(node));
  }

  note(nodeId: string, kind: AttributedKind, actor: string, action?: PowerAction): void {
    const list = (this.notes.get(nodeId) ?? []).filter((n) => n.until > this.now());
    list.push({ kind, actor, ...(action ? { action } : {}), until: this.now() + NOTE_TTL_MS });
    this.notes.set(nodeId, list);
  }

  private take(nodeId: string, kind: AttributedKind): Note | undefined {
    const list = this.notes.get(nodeId);
    if (!list) return undefined;
    const now = this.now();
    const i = list.findIndex((n) => n.kind === kind && n.until > now);
    if (i < 0) return undefined;
    const [note] = list.splice(i, 1);
    return note;
  }

  event(e: NodeEvent): void {
    if (e.type === 'removed') {
      this.state.delete(e.nodeId);
      this.notes.delete(e.nodeId);
      return;
    }
    const n = e.node;
    if (!n) return;
    const before = this.state.get(n.id);
    const after = seen(n);
    if (!before) {
      this.state.set(n.id, after);
      return;
    }
    const settled = n.powerState === 'On' || n.powerState === 'Off';
    if (settled) this.power(n, before, after);
    else after.power = before.power;
    if (e.type === 'boot' && after.boot !== before.boot) {
      const who = this.take(n.id, 'boot')?.actor ?? this.outsider(n);
      this.add(n.id, bootEntry(n.boot.target, n.boot.enabled, who));
    }
    for (const [slot, image] of after.media) {
      if (image === before.media.get(slot)) continue;
      const who = this.take(n.id, 'media')?.actor ?? this.outsider(n);
      this.add(n.id, mediaEntry(slot as Node['media'][number]['slot'], image !== undefined, image || undefined, who));
    }
    this.state.set(n.id, after);
  }

  private power(n: Node, before: Seen, after: Seen): void {
    let event: SelPowerEvent | undefined;
    if (after.power !== before.power) event = after.power;
    else if (after.power === 'On' && after.lastBootAt !== before.lastBootAt && before.lastBootAt !== undefined) {
      event = 'PowerCycle';
    }
    if (!event) return;
    const note = this.take(n.id, 'power');
    if (event === 'PowerCycle' && note?.action) event = RESTART_EVENT[note.action] ?? event;
    this.add(n.id, powerEntry(event, note?.actor ?? this.outsider(n)));
  }
}
