export { bindSocketToDevice, canBindToDevice, socketDevice } from './bind-device.js';
export { type ClientPacketInit, clientPacket } from './client-packet.js';
export { DhcpDecodeError } from './codec/errors.js';
export { type DhcpSection, dhcpInterface, dhcpReservation, dhcpSection, dhcpSubnet } from './config-section.js';
export {
  dhcpMatchRule,
  dhcpOptionMap,
  dhcpTagExpression,
  dhcpTagMap,
  dhcpTagName,
  dhcpTagOptions,
} from './config-options.js';
export { type InterfaceSection, interfaceSections } from './interfaces.js';
export { parseCidr } from './codec/ipv4.js';
// The option value codecs (u8, u16, ip, text, ...) stay internal: the published API is packets and options.
export { findOption, MESSAGE_TYPE_NAMES, MessageType, Opt } from './codec/options.js';
export {
  OPTION_SPECS_BY_CODE,
  OPTION_SPECS_BY_NAME,
  type OptionSpec,
  type OptionType,
  optionSpecOf,
  SERVER_SET_CODES,
} from './codec/option-table.js';
export {
  compileOptions,
  encodeOptionValue,
  type OptionValue,
  OptionValueError,
  overrideOptions,
} from './codec/option-value.js';
export {
  BOOTREPLY,
  BOOTREQUEST,
  decodePacket,
  type DhcpOption,
  type DhcpPacket,
  type EncodeOptions,
  encodePacket,
  FLAG_BROADCAST,
  MAGIC_COOKIE,
} from './codec/packet.js';
export { DhcpEngine, type DhcpEngineOptions, type Reply, type TagOptions, type Transaction } from './engine.js';
export { dhcpFrontEnd } from './front-end.js';
export { clientHostname, dhcpHostNames, sanitizeHostname } from './host-name.js';
export { formatLeaseFile, type Lease, type LeaseState, LeaseStore, parseLeaseFile } from './lease-store.js';
export { AddressPool } from './pool.js';
export { type PxeRequestInfo, pxeInfo } from './pxe.js';
export { type DhcpCounters, DhcpServer, type DhcpServerOptions } from './server.js';
export {
  linkSelection,
  type Reservation,
  type SelectionSource,
  Subnet,
  type SubnetOptions,
  type SubnetSelection,
  selectSubnet,
} from './subnet.js';
export { type ClientIdentity, clientIdentity, findReservation, normalizeClientId } from './reservation.js';
export {
  compileMatchRule,
  formatMacPattern,
  globToRegExp,
  type MacPattern,
  macMatches,
  type MatchRule,
  type MatchRuleConfig,
  parseMacPattern,
  tagsOf,
} from './tags.js';
export {
  formatTagExpression,
  isTagName,
  lastMatching,
  matchingEntries,
  parseTagExpression,
  TAG_NAME,
  type TagCondition,
  type TagExpression,
  tagExpressionMatches,
} from './tag-expression.js';
