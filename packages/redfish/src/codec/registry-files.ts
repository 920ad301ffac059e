/** MessageRegistryFile documents: where each registry the service emits can be read. Pure. */
import { BASE_REGISTRY_ID, RESOURCE_EVENT_REGISTRY_ID } from './messages.js';
import { uri } from './uris.js';

/** Registry file id -> [display name, registry version id]. */
export const REGISTRY_FILES = {
  Base: ['Base Message Registry File', BASE_REGISTRY_ID],
  ResourceEvent: ['Resource Event Message Registry File', RESOURCE_EVENT_REGISTRY_ID],
} as const;

export type RegistryFileId = keyof typeof REGISTRY_FILES;

export function registryFileResource(id: RegistryFileId): Record<string, unknown> {
  const [name, registry] = REGISTRY_FILES[id];
  return {
    '@odata.type': '#MessageRegistryFile.v1_1_3.MessageRegistryFile',
    '@odata.id': `${uri.registries}/${id}`,
    Id: id,
    Name: name,
    Registry: registry,
    Languages: ['en'],
    Location: [{ Language: 'en', Uri: `${uri.registries}/${id}/${id}.json` }],
  };
}
