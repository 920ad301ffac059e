import { errors } from '@bmc-emu/core';
import type { LabModel, LabNode } from '../model.js';
import { volumeName } from '../render/domain-xml.js';
import type { Rendered } from '../render/index.js';

export interface DesiredVolume {
  name: string;
  gib: number;
  domain: string;
}

/** The libvirt objects a lab consists of, in creation order, with the XML `render` wrote. */
export interface Desired {
  pool: { name: string; path: string };
  networks: { name: string; xml: string }[];
  volumes: DesiredVolume[];
  domains: { name: string; xml: string; node: LabNode }[];
}

/** What the lab wants on one hypervisor (`host`, a lab.yaml name), or on all of them when absent. */
export function desiredObjects(m: LabModel, r: Rendered, host?: string): Desired {
  const here = m.nodes.filter((n) => host === undefined || n.hypervisor.name === host);
  const file = (p: string) => {
    const xml = r.files[p];
    if (xml === undefined) throw errors.internal(`render produced no ${p}`);
    return xml;
  };
  const networks = [
    ...(m.provisioning.mode !== 'Disabled'
      ? [{ name: m.provisioning.name, xml: file(`libvirt/networks/${m.provisioning.name}.xml`) }]
      : []),
    { name: m.baremetal.name, xml: file(`libvirt/networks/${m.baremetal.name}.xml`) },
  ];
  return {
    pool: { name: m.poolName, path: m.lab.libvirt.pool.path },
    networks,
    volumes: here.flatMap((n) => n.spec.disksGiB.map((gib, i) => ({ name: volumeName(n, i), gib, domain: n.domain }))),
    domains: here.map((n) => ({ name: n.domain, xml: file(`libvirt/domains/${n.domain}.xml`), node: n })),
  };
}
