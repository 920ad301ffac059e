/** VirtualMedia resources (served under both Systems/<id> and Managers/<id>). */
import type { MediaSlot, Node, VirtualMedia } from '@bmc-emu/core';
import { collection } from './uris.js';

export const MEDIA_TYPES: Record<MediaSlot, string[]> = {
  Cd: ['CD', 'DVD'],
  UsbStick: ['USBStick'],
  Floppy: ['Floppy'],
};

export const TRANSFER_PROTOCOLS = ['HTTP', 'HTTPS'] as const;

export function mediaCollection(n: Node, base: string) {
  return collection(
    'VirtualMediaCollection',
    'Virtual Media',
    base,
    n.media.map((m) => `${base}/${m.slot}`),
  );
}

export function mediaResource(m: VirtualMedia, base: string) {
  const self = `${base}/${m.slot}`;
  const image = m.inserted ? (m.image ?? m.path ?? null) : null;
  const proto = typeof image === 'string' && image.startsWith('https://') ? 'HTTPS' : image ? 'HTTP' : null;
  return {
    '@odata.type': '#VirtualMedia.v1_6_0.VirtualMedia',
    '@odata.id': self,
    Id: m.slot,
    Name: `Virtual ${m.slot}`,
    MediaTypes: MEDIA_TYPES[m.slot],
    Image: image,
    ImageName: image ? (image.split('/').pop() ?? null) : null,
    Inserted: m.inserted,
    WriteProtected: m.writeProtected,
    ConnectedVia: m.inserted ? 'URI' : 'NotConnected',
    TransferProtocolType: proto,
    'TransferProtocolType@Redfish.AllowableValues': [...TRANSFER_PROTOCOLS],
    TransferMethod: 'Stream',
    Status: { State: 'Enabled', Health: 'OK' },
    Actions: {
      '#VirtualMedia.InsertMedia': { target: `${self}/Actions/VirtualMedia.InsertMedia` },
      '#VirtualMedia.EjectMedia': { target: `${self}/Actions/VirtualMedia.EjectMedia` },
    },
  };
}
