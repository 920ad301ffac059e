import type { EventBus, HypervisorStatus } from '@bmc-emu/core';

/** HypervisorSet's onHealth as `hypervisor` events on the rack stream. */
export function publishHypervisorHealth(bus: EventBus): (status: HypervisorStatus) => void {
  return (s) =>
    bus.publish({
      kind: 'hypervisor',
      name: s.name,
      uri: s.uri,
      up: s.up,
      ...(s.reason !== undefined ? { reason: s.reason } : {}),
    });
}
