import { odataDocument, serviceRoot, versionDocument } from '../codec/service.js';
import { collection, uri } from '../codec/uris.js';
import type { RedfishDeps } from '../deps.js';
import type { RouteDef } from '../route.js';

/** The unauthenticated entry points and the JSON schema collection. */
export function rootRoutes(d: RedfishDeps): RouteDef[] {
  return [
    { path: '/redfish', open: true, get: async () => versionDocument() },
    { path: uri.root, open: true, get: async () => serviceRoot(d.serviceUuid) },
    { path: '/redfish/v1/odata', open: true, get: async () => odataDocument() },
    {
      path: uri.jsonSchemas,
      get: async () => collection('JsonSchemaFileCollection', 'JSON Schemas', uri.jsonSchemas, []),
    },
  ];
}
