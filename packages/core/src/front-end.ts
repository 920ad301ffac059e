import type { BmcDirectory } from './bmc-directory.js';
import type { SharedSettings } from './config/schema.js';
import type { SensorsSection } from './config/sensors-section.js';
import type { NodeDriver } from './driver.js';
import type { EventBus } from './events/event-bus.js';
import type { PeerNodes } from './events/peer-nodes.js';
import type { ImageCache } from './image-cache.js';
import type { NameRegistry } from './host-names.js';
import type { Logger } from './logging.js';

/** The services `bmc-emu serve` creates once and hands to every front end that wants them. */
export interface FrontEndComponents {
  driver: NodeDriver;
  /** Already named for this front end (`component: "<name>"`); add no second `component` key. */
  logger: Logger;
  /** Host names shared between front ends (DHCP publishes, DNS answers); absent outside `serve`. */
  names?: NameRegistry;
  /** The shared virtual-media image cache. */
  mediaCache?: ImageCache;
  /** Where boot HTTP is reached from an address on a served network (what DHCP hands iPXE clients). */
  bootHttpUrl?: (serverAddress: string) => string;
  /** The rack's one event stream (logs, metrics, the console read it); absent outside `serve`. */
  events?: EventBus;
  /** Which node a peer address or MAC is (names TFTP and boot-HTTP events); absent outside `serve`. */
  peers?: PeerNodes;
  /** The `sensors` section (faults, SEL size) the shared Telemetry is built from. */
  sensors?: SensorsSection;
  /** The registered BMCs (ports, accounts, active, `driver.serve`); absent: every node, as before. */
  bmcs?: BmcDirectory;
}

/**
 * What a front end factory gets (the init/components split): its own parsed config section, the few shared
 * top-level values, and the shared services. Never the whole config.
 */
export interface FrontEndInit<Section> {
  init: Section;
  shared: SharedSettings;
  components: FrontEndComponents;
}

/** A gauge a front end owns (sessions, leases), read on every metrics scrape; must be cheap. */
export interface FrontEndGauge {
  name: string;
  help: string;
  labelNames?: readonly string[];
  read(): Array<{ labels?: Record<string, string>; value: number }>;
}

/** A protocol server (Redfish, IPMI, DHCP, TFTP, boot HTTP) that `serve` starts and stops. */
export interface FrontEnd {
  readonly name: string;
  /** Gauges for `/metrics`, read once the front end has started. */
  gauges?(): FrontEndGauge[];
  /** Start serving; resolves to one line per endpoint, e.g. "redfish https://127.0.0.1:8000/redfish/v1". */
  start(): Promise<string[]>;
  stop(): Promise<void>;
}

/** Returns undefined when the front end is disabled by its section. */
export type FrontEndFactory<Section> = (ctx: FrontEndInit<Section>) => FrontEnd | undefined;
