import { baseRegistryDocument, resourceEventRegistryDocument } from '../codec/messages.js';
import { REGISTRY_FILES, type RegistryFileId, registryFileResource } from '../codec/registry-files.js';
import { collection, uri } from '../codec/uris.js';
import type { RouteDef } from '../route.js';

const DOCUMENTS: Record<RegistryFileId, () => Record<string, unknown>> = {
  Base: baseRegistryDocument,
  ResourceEvent: resourceEventRegistryDocument,
};

export function registryRoutes(): RouteDef[] {
  const ids = Object.keys(REGISTRY_FILES) as RegistryFileId[];
  return [
    {
      path: uri.registries,
      get: async () =>
        collection(
          'MessageRegistryFileCollection',
          'Registries',
          uri.registries,
          ids.map((id) => `${uri.registries}/${id}`),
        ),
    },
    ...ids.flatMap((id): RouteDef[] => [
      { path: `${uri.registries}/${id}`, get: async () => registryFileResource(id) },
      { path: `${uri.registries}/${id}/${id}.json`, get: async () => DOCUMENTS[id]() },
    ]),
  ];
}
