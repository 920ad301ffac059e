import { join } from 'node:path';

/** Where a state dir keeps the BMC registry and the management API's socket and token. */
export function managementPaths(stateDir: string) {
  return {
    registry: join(stateDir, 'bmcs.json'),
    socket: join(stateDir, 'bmc-emu.sock'),
    token: join(stateDir, 'management.token'),
  };
}
