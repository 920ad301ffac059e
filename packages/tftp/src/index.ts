export { NetasciiDecoder, NetasciiEncoder } from './codec/netascii.js';
export {
  DEFAULT_BLKSIZE,
  MAX_WINDOWSIZE,
  MIN_BLKSIZE,
  type Negotiated,
  type NegotiationLimits,
  negotiate,
} from './codec/options.js';
export {
  type AckPacket,
  type DataPacket,
  decodePacket,
  type ErrorPacket,
  encodeDataHeader,
  encodePacket,
  MAX_BLKSIZE,
  type OackPacket,
  Opcode,
  type RequestPacket,
  TftpDecodeError,
  TftpErrorCode,
  type TftpOptions,
  type TftpPacket,
  type TransferMode,
} from './codec/packet.js';
export { type TftpSection, tftpSection } from './config-section.js';
export {
  chainProviders,
  directoryProvider,
  type TftpClientInfo,
  type TftpFile,
  type TftpFileProvider,
} from './file-source.js';
export { tftpFrontEnd } from './front-end.js';
export { blksizeCapFor } from './mtu.js';
export { nativeEngineAvailable, nativeEngineError } from './native-read-transfer.js';
export { checkRequestPath } from './path-guard.js';
export type { TransferOutcome } from './read-transfer.js';
export { type TftpEngine, TftpServer, type TftpServerOptions, type TftpStats } from './server.js';
export { TftpRefusal, toTftpError } from './tftp-error.js';
