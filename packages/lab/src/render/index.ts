import { stringify } from 'yaml';
import type { LabModel } from '../model.js';
import { domainXml } from './domain-xml.js';
import { type LabInputs, renderInstallConfig } from './install-config.js';
import { renderManifests } from './manifests.js';
import { baremetalNetworkXml, provisioningNetworkXml } from './network-xml.js';
import { renderNodesJson } from './nodes-json.js';
import { renderServeConfig } from './serve-config.js';
import { stampHash } from './tag.js';

export interface Rendered {
  installConfig: Record<string, unknown>;
  /** Relative path -> content, in a stable order. */
  files: Record<string, string>;
}

/** Everything `render` writes (and `up` writes beside the libvirt objects). Pure. */
export function renderLab(m: LabModel, inputs: LabInputs = {}): Rendered {
  const installConfig = renderInstallConfig(m, inputs);
  const verifyCa = inputs.caPem !== undefined;
  const files: Record<string, string> = {
    'install-config.yaml': stringify(installConfig, { lineWidth: 0 }),
    'nodes.json': `${JSON.stringify(renderNodesJson(m, verifyCa ? m.lab.bmc.caFile : undefined), null, 2)}\n`,
    ...renderManifests(m, verifyCa),
    [`libvirt/networks/${m.baremetal.name}.xml`]: stampHash(baremetalNetworkXml(m)),
  };
  const pr = provisioningNetworkXml(m);
  if (pr) files[`libvirt/networks/${m.provisioning.name}.xml`] = stampHash(pr);
  const serve = renderServeConfig(m);
  if (serve) files['boot-serve.yaml'] = stringify(serve, { lineWidth: 0 });
  for (const n of m.nodes) files[`libvirt/domains/${n.domain}.xml`] = stampHash(domainXml(m, n));
  return { installConfig, files };
}
