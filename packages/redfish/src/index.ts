export { AccountStore, type PasswordFile, ROLES, type Role } from './accounts.js';
export { createRedfishApp, type RedfishApp, type RedfishAppOptions } from './app.js';
export { decodeAction } from './codec/action.js';
export { type RedfishSection, redfishSection } from './config-section.js';
export { computeEtag, ifMatchPasses } from './codec/etag.js';
export { BASE_MESSAGES, errorBody, messageInfo } from './codec/messages.js';
export { decodePatch, type PatchSpec } from './codec/patch.js';
export { redfishFrontEnd } from './front-end.js';
export { toRedfishError } from './http-error.js';
export { findMyWayRouter, linearRouter, type RouteHit, type RouteLookup, type RouterFactory } from './router.js';
export { type ImageCache, isIso9660 } from './media-insert.js';
export { answerRedfishParserErrors } from './parser-errors.js';
export { RedfishServer, type RedfishServerOptions } from './server.js';
export { ensureTls, type TlsMaterial, tlsDir } from './tls.js';
export {
  type PrefixHandler,
  type RedfishAuth,
  type RedfishMount,
  type RedfishMountServices,
  type RedfishUser,
} from './mounts.js';
export { redfishFrontEndWith } from './front-end.js';
