/** Enroll a node in a test Ironic with driver `redfish` and take it to `manageable`, asserting each step. */
import { expect } from 'vitest';
import type { Ironic } from './ironic.js';

/**
 * POST the node, check that power validates, then `manage` (the conductor logs in and reads the power state
 * over Redfish). Returns the node once it left `verifying`, asserted `manageable`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Ironic node JSON
export async function enrollAndManage(ironic: Ironic, name: string, driverInfo: Record<string, string>): Promise<any> {
  const r = await ironic.api('POST', '/v1/nodes', { name, driver: 'redfish', driver_info: driverInfo });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const uuid = r.body.uuid as string;
  const v = await ironic.api('GET', `/v1/nodes/${uuid}/validate`);
  expect(v.body.power, JSON.stringify(v.body.power)).toMatchObject({ result: true });
  const m = await ironic.api('PUT', `/v1/nodes/${uuid}/states/provision`, { target: 'manage' });
  expect(m.status, JSON.stringify(m.body)).toBe(202);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Ironic node JSON
  const n = await ironic.waitFor(uuid, (x: any) => x.provision_state !== 'verifying', 60_000);
  expect(n.provision_state, `${n.last_error}\n${(await ironic.log()).slice(-2000)}`).toBe('manageable');
  return n;
}
