import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Ironic, ironicPeers, startIronic } from './support/ironic.js';
import { requirePeers } from './support/peers.js';

const gate = requirePeers('real Ironic', ironicPeers());

gate.describe('test harness: a real standalone Ironic', () => {
  let ironic: Ironic;
  beforeAll(async () => {
    ironic = await startIronic();
  }, 120_000);
  afterAll(async () => {
    await ironic?.stop();
  });

  it('answers with the redfish and ipmi hardware types enabled', async () => {
    const r = await ironic.api('GET', '/v1/drivers');
    const names = r.body.drivers.map((d: { name: string }) => d.name);
    expect(names).toEqual(expect.arrayContaining(['redfish', 'ipmi']));
  });
});
