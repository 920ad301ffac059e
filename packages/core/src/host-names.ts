/**
 * Host names other front ends learn (DHCP reservations and leases) and DNS answers. The DHCP package
 * publishes a NameSource here and DNS reads the registry; neither imports the other.
 */

export interface HostName {
  /** One RFC 1123 label, lower case, e.g. "master-0" (the DNS front end adds its domain). */
  name: string;
  /** IPv4 or IPv6 address. */
  address: string;
  /** Where it came from, e.g. "dhcp-reservation", "dhcp-lease". */
  origin: string;
}

export interface NameSource {
  /** Changes whenever hosts() may answer differently (time-based expiry aside). */
  readonly version: number;
  hosts(now?: number): readonly HostName[];
}

/** The registry `serve` shares between the front ends: sources register, readers take snapshots. */
export class NameRegistry {
  private readonly sources = new Set<NameSource>();
  private registrations = 0;

  /** Returns the function that takes the source out again. */
  register(source: NameSource): () => void {
    this.sources.add(source);
    this.registrations++;
    return () => {
      if (this.sources.delete(source)) this.registrations++;
    };
  }

  /** A number that differs whenever any source changed or a source came or went. */
  get version(): number {
    let v = this.registrations;
    for (const s of this.sources) v += s.version;
    return v;
  }

  hosts(now = Date.now()): HostName[] {
    const out: HostName[] = [];
    for (const s of this.sources) out.push(...s.hosts(now));
    return out;
  }
}
