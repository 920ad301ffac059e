export { Authority, type AuthAnswer, type Rr, type ZoneInfo } from './authority.js';
export {
  CLASSIC_UDP_SIZE,
  encodeWithin,
  headerOnlyReply,
  type Parsed,
  parseQuery,
  type Query,
  Rcode,
  readHeader,
  udpLimit,
} from './codec.js';
export { type DnsConfig, type DnsConfigInput, dnsRecord, dnsSection, dnsZone, parseDnsConfig } from './config.js';
export { forward } from './forwarder.js';
export { dnsFrontEnd, interfaceAddresses } from './front-end.js';
export { canonical, isServableName, reverseName, reverseZoneOf } from './names.js';
export { type Outcome, Responder, type Transport } from './responder.js';
export { type DnsCounters, DnsServer, type DnsServerOptions } from './server.js';
export { TcpFramer } from './tcp-framing.js';
export { parseUpstream, type Upstream } from './upstream.js';
export { buildAuthority, type ZoneDataInput } from './zone-data.js';
