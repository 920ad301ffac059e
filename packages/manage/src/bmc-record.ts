/** One served BMC: what vbmc calls a "domain" entry and sushy-tools an allowed instance. */
export interface BmcRecord {
  /** libvirt domain name (or a memory-driver node name). */
  node: string;
  /** The hypervisor it lives on; absent: the server's default driver. */
  libvirtUri?: string;
  /** IPMI endpoint. `address` absent or `::`/`0.0.0.0`: the server's bind address. */
  ipmi: { address?: string; port: number };
  /** This BMC's own account (IPMI and its Redfish system); absent: the server's top-level account. */
  user?: string;
  password?: string;
  /** vbmc's "active": started and answering. */
  active: boolean;
  /** A memory-driver node that exists because this BMC was added with `--memory`. */
  memory?: { cpus: number; memoryMib: number };
}

/** Something an importer read but could not carry over, with why. */
export interface ImportNote {
  where: string;
  key: string;
  why: string;
}
