import { SIMPLE_UPDATE_PROTOCOLS, updateServiceDocument } from '../codec/update-service.js';
import { uri } from '../codec/uris.js';
import type { RedfishDeps } from '../deps.js';
import { httpError } from '../http-error.js';
import type { RouteDef } from '../route.js';
import { replyOrTask } from '../tasks.js';
import { actionBody } from './action-body.js';

export function updateRoutes(d: RedfishDeps): RouteDef[] {
  return [
    { path: uri.updateService, get: async () => updateServiceDocument() },
    {
      path: `${uri.updateService}/Actions/UpdateService.SimpleUpdate`,
      post: {
        privilege: 'ConfigureManager',
        handler: async (_c, b) => {
          const v = actionBody(b, 'UpdateService.SimpleUpdate', {
            ImageURI: { kind: 'string', required: true, maxLength: 4096 },
            TransferProtocol: { kind: 'enum', values: SIMPLE_UPDATE_PROTOCOLS },
            Targets: { kind: 'stringArray' },
          });
          const cache = d.cache;
          if (!cache)
            throw httpError(400, 'ActionNotSupported', ['UpdateService.SimpleUpdate'], 'No image cache configured.');
          const url = v.ImageURI as string;
          if (!/^https?:\/\//.test(url))
            throw httpError(400, 'ActionParameterValueNotInList', [url, 'ImageURI', 'UpdateService.SimpleUpdate']);
          const work = cache.fetch(url).then(() => ({ status: 204 }));
          return replyOrTask(d.tasks, `SimpleUpdate ${url}`, work, 0);
        },
      },
    },
  ];
}
