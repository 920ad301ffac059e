export { decodeBios, decodeBoot, decodeLogin, decodeMediaInsert, decodePower, decodeSlot } from './codec/actions.js';
export { parseCookies, SESSION_COOKIE, sessionCookie, sessionToken } from './codec/cookies.js';
export { type ConsoleSection, consoleSection } from './config-section.js';
export {
  CONSOLE_PREFIX,
  type ConsoleHandlerOptions,
  createConsoleHandler,
  type LabsSource,
} from './console-handler.js';
export { consoleMount, type ConsoleMountOptions } from './mount.js';
export type { BmcEndpoints, EndpointsOf, NodeView } from './node-view.js';
export { DEFAULT_ASSETS_DIR } from './static-assets.js';
