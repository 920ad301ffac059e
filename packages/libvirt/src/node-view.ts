import type { Node, PowerState, VirtualMedia } from '@bmc-emu/core';
import type { DomainEntry } from './domain-cache.js';
import { bootMode, type DomainFacts, type MediaDevice } from './domain-facts.js';

function mediaSlot(slot: VirtualMedia['slot'], dev: MediaDevice | undefined, facts: DomainFacts): VirtualMedia {
  const m: VirtualMedia = { slot, inserted: Boolean(dev?.source), writeProtected: slot !== 'UsbStick' };
  if (dev?.source) {
    const meta = facts.state.media[slot];
    m.path = dev.source;
    m.image = meta && meta.path === dev.source ? meta.image : dev.source;
  }
  return m;
}

/**
 * The shared node model for one domain. Hardware comes from the live XML (what runs now), settings
 * that apply at the next boot (override, firmware, secure boot, BIOS) from the persistent XML.
 */
export function nodeFromEntry(uri: string, entry: DomainEntry, transit?: PowerState): Node {
  const { live, inactive } = entry;
  const running = live.liveId !== undefined;
  const state = inactive.state;
  const media: VirtualMedia[] = [mediaSlot('Cd', live.cdroms[0], inactive)];
  media.push(mediaSlot('UsbStick', live.usbSticks[0], inactive));
  if (live.floppies.length) media.push(mediaSlot('Floppy', live.floppies[0], inactive));
  const node: Node = {
    id: live.uuid,
    name: live.name,
    powerState: transit ?? (running ? 'On' : 'Off'),
    boot: { target: state.boot.target, enabled: state.boot.enabled, mode: bootMode(inactive) },
    media,
    nics: live.nics,
    cpu: { count: live.vcpus, arch: live.arch, model: live.cpuModel },
    memoryMiB: live.memoryMiB,
    disks: live.disks,
    firmware: inactive.firmware,
    secureBoot: {
      enabled: inactive.secureBoot,
      currentBoot: running ? live.secureBoot : (state.lastBoot?.secure ?? false),
    },
    bios: { attributes: { ...state.bios.attributes }, pending: { ...state.bios.pending } },
    manufacturer: 'QEMU',
    model: `libvirt ${live.machine}`,
    serialNumber: live.uuid.replace(/-/g, '').slice(0, 12).toUpperCase(),
    source: uri,
  };
  if (state.boot.httpBootUri) node.boot.httpBootUri = state.boot.httpBootUri;
  if (state.lastBoot) {
    node.lastBoot = { target: state.lastBoot.target, mode: state.lastBoot.mode, at: state.lastBoot.at };
  }
  return node;
}
