import { isIP } from 'node:net';

/**
 * BMC URL parsing as metal3's baremetal-operator does it (pkg/hardwareutils/bmc/access.go,
 * GetParsedURL + NewAccessDetails): a bare `host` or `host:port` means IPMI, `scheme:host` is read as
 * `scheme://host`, the host must be an IP or a DNS name, and the scheme must be a registered driver.
 */

export interface BmcDriver {
  /** Ironic driver (`Driver()` in metal3). */
  driver: 'ipmi' | 'redfish' | 'idrac' | 'ilo' | 'irmc' | 'ibmc';
  /** `RequiresProvisioningNetwork()`: false only for the virtual-media drivers. */
  requiresProvisioningNetwork: boolean;
  /** `SupportsSecureBoot()`; undefined where we did not port the answer (not checked then). */
  supportsSecureBoot?: boolean;
}

const withSchemes = (name: string, d: BmcDriver, schemes: string[]): [string, BmcDriver][] => [
  [name, d],
  ...schemes.map((s): [string, BmcDriver] => [`${name}+${s}`, d]),
];
const web = ['http', 'https'];
const redfish: BmcDriver = { driver: 'redfish', requiresProvisioningNetwork: true, supportsSecureBoot: true };
const virtualMedia: BmcDriver = { driver: 'redfish', requiresProvisioningNetwork: false, supportsSecureBoot: true };
const ipmi: BmcDriver = { driver: 'ipmi', requiresProvisioningNetwork: true, supportsSecureBoot: false };

/** metal3's factory table (redfish.go, redfish_virtualmedia.go, idrac_virtualmedia.go, ipmi.go, ...). */
export const BMC_DRIVERS: ReadonlyMap<string, BmcDriver> = new Map([
  ['ipmi', ipmi],
  ['libvirt', ipmi],
  ...withSchemes('redfish', redfish, web),
  ...withSchemes('ilo5-redfish', redfish, web),
  ...withSchemes('idrac-redfish', { ...redfish, driver: 'idrac' }, web),
  ...withSchemes('redfish-virtualmedia', virtualMedia, web),
  ...withSchemes('ilo5-virtualmedia', virtualMedia, web),
  ...withSchemes('idrac-virtualmedia', { ...virtualMedia, driver: 'idrac' }, web),
  ...withSchemes('idrac', { driver: 'idrac', requiresProvisioningNetwork: true }, web),
  ['ilo4', { driver: 'ilo', requiresProvisioningNetwork: true }],
  ['ilo4-virtualmedia', { driver: 'ilo', requiresProvisioningNetwork: false }],
  ['ilo5', { driver: 'ilo', requiresProvisioningNetwork: true }],
  ['irmc', { driver: 'irmc', requiresProvisioningNetwork: true }],
  ...withSchemes('ibmc', { driver: 'ibmc', requiresProvisioningNetwork: true }, web),
]);

export interface ParsedBmc {
  scheme: string;
  hostname: string;
  port?: number;
  path: string;
  driver: BmcDriver;
}

const DNS_NAME =
  /^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9])\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]{0,61}[A-Za-z0-9])$/;

export type BmcParse = { ok: true; bmc: ParsedBmc } | { ok: false; error: string };

/** Parse one `bmc.address`; the error text follows metal3's. */
export function parseBmcAddress(address: string): BmcParse {
  if (address === '') return { ok: false, error: 'missing BMC address' };
  let text = address;
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(text)) {
    // `scheme:host[:port]` (opaque) becomes `scheme://host`; a bare host or host:port is IPMI
    const opaque = /^([a-zA-Z][a-zA-Z0-9+.-]*):(?!\d+$)(.+)$/.exec(text);
    text = opaque && !isIP(text) ? `${opaque[1]}://${opaque[2]}` : `ipmi://${text}`;
  }
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return { ok: false, error: `failed to parse BMC address information: ${address} is not a URL` };
  }
  const scheme = u.protocol.replace(/:$/, '');
  const hostname = u.hostname.replace(/^\[|\]$/g, '');
  if (hostname !== '' && isIP(hostname) === 0 && !DNS_NAME.test(hostname)) {
    return {
      ok: false,
      error: `failed to parse BMC address information: BMC address hostname/IP : [${hostname}] is invalid`,
    };
  }
  const driver = BMC_DRIVERS.get(scheme);
  if (!driver) return { ok: false, error: `Unknown BMC type '${scheme}' for address ${address}` };
  return {
    ok: true,
    bmc: { scheme, hostname, ...(u.port ? { port: Number(u.port) } : {}), path: u.pathname, driver },
  };
}
