import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GOLDEN_LABS } from './golden-labs.js';
import { render } from './helpers.js';

const tags = JSON.parse(
  readFileSync(new URL('./fixtures/installer-json-tags.json', import.meta.url), 'utf8'),
) as Record<string, string[]>;

/** The installer's own names (fixture: its Go struct json tags, source cited in the file). */
describe("install-config uses the installer's field names exactly", () => {
  const labs = {
    ...GOLDEN_LABS,
    ipmi: { workers: { count: 1, bmc: { kind: 'ipmi' as const } } },
    extra: { extra: { count: 2 } },
    ntpAndLb: { networks: { ntpServers: ['192.168.111.1'], baremetal: { loadBalancer: 'UserManaged' as const } } },
  };
  for (const [name, input] of Object.entries(labs)) {
    it(name, () => {
      const bm = (render(input).r.installConfig.platform as { baremetal: Record<string, unknown> }).baremetal;
      expect(Object.keys(bm).filter((k) => !tags.platform!.includes(k))).toEqual([]);
      for (const h of bm.hosts as Record<string, unknown>[]) {
        expect(Object.keys(h).filter((k) => !tags.host!.includes(k))).toEqual([]);
        expect(Object.keys(h.bmc as object).filter((k) => !tags.bmc!.includes(k))).toEqual([]);
        expect(Object.keys(h.rootDeviceHints as object).filter((k) => !tags.rootDeviceHints!.includes(k))).toEqual([]);
        expect(tags.bootMode).toContain(h.bootMode);
      }
      expect(tags.provisioningNetwork).toContain(bm.provisioningNetwork);
      if (bm.loadBalancer) expect(tags.loadBalancerType).toContain((bm.loadBalancer as { type: string }).type);
      const cp = render(input).r.installConfig.controlPlane as { fencing?: { credentials: Record<string, unknown>[] } };
      for (const c of cp.fencing?.credentials ?? []) {
        expect(Object.keys(c).filter((k) => !tags.fencingCredential!.includes(k))).toEqual([]);
        expect(tags.certificateVerification).toContain(c.certificateVerification);
      }
    });
  }

  it('the deprecated singular names are never written', () => {
    const bm = (render().r.installConfig.platform as { baremetal: Record<string, unknown> }).baremetal;
    for (const k of ['apiVIP', 'ingressVIP', 'provisioningHostIP', 'provisioningDHCPExternal'])
      expect(bm).not.toHaveProperty(k);
  });
});
