/** The UpdateService document. Pure. */
import { uri } from './uris.js';

export const SIMPLE_UPDATE_PROTOCOLS = ['HTTP', 'HTTPS'] as const;

/**
 * HttpPushUri is left out: the service has no push-update endpoint, and the schema does not let the property
 * be null (the DMTF validator flagged `"HttpPushUri": null`). SimpleUpdate (pull from a URL) is what it offers.
 */
export function updateServiceDocument(): Record<string, unknown> {
  return {
    '@odata.type': '#UpdateService.v1_11_0.UpdateService',
    '@odata.id': uri.updateService,
    Id: 'UpdateService',
    Name: 'Update Service',
    ServiceEnabled: true,
    Status: { State: 'Enabled', Health: 'OK' },
    Actions: {
      '#UpdateService.SimpleUpdate': {
        target: `${uri.updateService}/Actions/UpdateService.SimpleUpdate`,
        'TransferProtocol@Redfish.AllowableValues': [...SIMPLE_UPDATE_PROTOCOLS],
      },
    },
  };
}
