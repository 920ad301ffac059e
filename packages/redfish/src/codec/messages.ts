/** The DMTF Base message registry subset we emit, so every MessageId resolves at /redfish/v1/Registries. */

export const BASE_REGISTRY_ID = 'Base.1.16.0';

interface MessageDef {
  message: string;
  severity: 'OK' | 'Warning' | 'Critical';
  resolution: string;
  args: number;
}

export const BASE_MESSAGES = {
  Success: { message: 'The request completed successfully.', severity: 'OK', resolution: 'None.', args: 0 },
  GeneralError: {
    message: 'A general error has occurred. See Resolution for information on how to resolve the error.',
    severity: 'Critical',
    resolution: 'None.',
    args: 0,
  },
  InternalError: {
    message: 'The request failed due to an internal service error.  The service is still operational.',
    severity: 'Critical',
    resolution: 'Resubmit the request.  If the problem persists, consider resetting the service.',
    args: 0,
  },
  MalformedJSON: {
    message: 'The request body submitted was malformed JSON and could not be parsed by the receiving service.',
    severity: 'Critical',
    resolution: 'Ensure that the request body is valid JSON and resubmit the request.',
    args: 0,
  },
  ResourceNotFound: {
    message: 'The requested resource of type %1 named %2 was not found.',
    severity: 'Critical',
    resolution: 'Provide a valid resource identifier and resubmit the request.',
    args: 2,
  },
  ResourceMissingAtURI: {
    message: 'The resource at the URI %1 was not found.',
    severity: 'Critical',
    resolution: 'Place a valid resource at the URI or correct the URI and resubmit the request.',
    args: 1,
  },
  OperationNotAllowed: {
    message: 'The HTTP method is not allowed on this resource.',
    severity: 'Critical',
    resolution: 'None.',
    args: 0,
  },
  PropertyUnknown: {
    message: 'The property %1 is not in the list of valid properties for the resource.',
    severity: 'Warning',
    resolution: 'Remove the unknown property from the request body and resubmit the request if the operation failed.',
    args: 1,
  },
  PropertyNotWritable: {
    message: 'The property %1 is a read only property and cannot be assigned a value.',
    severity: 'Warning',
    resolution: 'Remove the property from the request body and resubmit the request if the operation failed.',
    args: 1,
  },
  PropertyValueTypeError: {
    message: 'The value %1 for the property %2 is not a type that the property can accept.',
    severity: 'Warning',
    resolution:
      'Correct the value for the property in the request body and resubmit the request if the operation failed.',
    args: 2,
  },
  PropertyValueNotInList: {
    message: 'The value %1 for the property %2 is not in the list of acceptable values.',
    severity: 'Warning',
    resolution:
      'Choose a value from the enumeration list that the implementation can support and resubmit the request if the operation failed.',
    args: 2,
  },
  PropertyValueError: {
    message: 'The value provided for the property %1 is not valid.',
    severity: 'Warning',
    resolution:
      'Correct the value for the property in the request body and resubmit the request if the operation failed.',
    args: 1,
  },
  StringValueTooLong: {
    message: 'The string %1 exceeds the length limit %2.',
    severity: 'Warning',
    resolution: 'Resubmit the request with an appropriate string length.',
    args: 2,
  },
  PropertyMissing: {
    message: 'The property %1 is a required property and must be included in the request.',
    severity: 'Warning',
    resolution:
      'Ensure that the property is in the request body and has a valid value and resubmit the request if the operation failed.',
    args: 1,
  },
  ActionParameterMissing: {
    message: 'The action %1 requires the parameter %2 to be present in the request body.',
    severity: 'Critical',
    resolution: 'Supply the action with the required parameter in the request body when the request is resubmitted.',
    args: 2,
  },
  ActionParameterValueNotInList: {
    message: 'The value %1 for the parameter %2 in the action %3 is not in the list of acceptable values.',
    severity: 'Warning',
    resolution:
      'Choose a value from the enumeration list that the implementation can support and resubmit the request if the operation failed.',
    args: 3,
  },
  ActionParameterValueTypeError: {
    message: 'The value %1 for the parameter %2 in the action %3 is of a different type than the parameter can accept.',
    severity: 'Warning',
    resolution:
      'Correct the value for the parameter in the request body and resubmit the request if the operation failed.',
    args: 3,
  },
  ActionParameterValueError: {
    message: 'The value for the parameter %1 in the action %2 is invalid.',
    severity: 'Warning',
    resolution:
      'Correct the value for the parameter in the request body and resubmit the request if the operation failed.',
    args: 2,
  },
  ActionParameterUnknown: {
    message: 'The action %1 was submitted with the invalid parameter %2.',
    severity: 'Warning',
    resolution: 'Correct the invalid parameter and resubmit the request if the operation failed.',
    args: 2,
  },
  ActionNotSupported: {
    message: 'The action %1 is not supported by the resource.',
    severity: 'Critical',
    resolution:
      'The action supplied cannot be resubmitted to the implementation.  Perhaps the action was invalid, the wrong resource was the target or the implementation documentation may be of assistance.',
    args: 1,
  },
  NoValidSession: {
    message: 'There is no valid session established with the implementation.',
    severity: 'Critical',
    resolution: 'Establish a session before attempting any operations.',
    args: 0,
  },
  InsufficientPrivilege: {
    message:
      'There are insufficient privileges for the account or credentials associated with the current session to perform the requested operation.',
    severity: 'Critical',
    resolution:
      'Either abandon the operation or change the associated access rights and resubmit the request if the operation failed.',
    args: 0,
  },
  PreconditionFailed: {
    message: 'The ETag supplied did not match the ETag required to change this resource.',
    severity: 'Critical',
    resolution: 'Try the operation again using the appropriate ETag.',
    args: 0,
  },
  PayloadTooLarge: {
    message: 'The supplied payload exceeds the maximum size supported by the service.',
    severity: 'Critical',
    resolution: 'Correct the request body and resubmit the request if the operation failed.',
    args: 0,
  },
  UnsupportedMediaType: {
    message: 'The request specifies a Content-Type for the body that is not supported.',
    severity: 'Critical',
    resolution: 'Resubmit the request using a supported Content-Type.',
    args: 0,
  },
  ResourceInUse: {
    message: 'The change to the requested resource failed because the resource is in use or in transition.',
    severity: 'Warning',
    resolution: 'Remove the condition and resubmit the request if the operation failed.',
    args: 0,
  },
  ServiceTemporarilyUnavailable: {
    message: 'The service is temporarily unavailable.  Retry in %1 seconds.',
    severity: 'Critical',
    resolution: 'Wait for the indicated retry duration and retry the operation.',
    args: 1,
  },
  OperationTimeout: {
    message:
      'A timeout internal to the service occurred as part of the request.  Partial results may have been returned.',
    severity: 'Critical',
    resolution:
      'Attempt to resubmit the request.  If the problem persists, consider resetting the service or provider.',
    args: 0,
  },
  ResourceAtUriUnauthorized: {
    message: 'While accessing the resource at %1, the service received an authorization error %2.',
    severity: 'Critical',
    resolution: 'Ensure that the appropriate access is provided for the service in order for it to access the URI.',
    args: 2,
  },
  ActionParameterNotSupported: {
    message: 'The parameter %1 for the action %2 is not supported on the target resource.',
    severity: 'Warning',
    resolution: 'Remove the parameter supplied and resubmit the request if the operation failed.',
    args: 2,
  },
  QueryNotSupported: {
    message: 'Querying is not supported by the implementation.',
    severity: 'Warning',
    resolution: 'Remove the query parameters and resubmit the request if the operation failed.',
    args: 0,
  },
  QueryParameterUnsupported: {
    message: 'Query parameter %1 is not supported.',
    severity: 'Warning',
    resolution: 'Correct the query parameter and resubmit the request if the operation failed.',
    args: 1,
  },
  NoOperation: {
    message: 'The request body submitted contain no data to act upon and no changes to the resource took place.',
    severity: 'Warning',
    resolution: 'Add properties in the JSON object and resubmit the request.',
    args: 0,
  },
  PropertyValueConflict: {
    message: 'The property %1 could not be written because its value would conflict with the value of the %2 property.',
    severity: 'Warning',
    resolution: 'No resolution is required.',
    args: 2,
  },
  HeaderInvalid: {
    message: 'The header %1 is invalid.',
    severity: 'Critical',
    resolution: 'Resubmit the request with a valid header.',
    args: 1,
  },
  QueryParameterValueFormatError: {
    message: 'The value %1 for the parameter %2 is of a different format than the parameter can accept.',
    severity: 'Warning',
    resolution:
      'Correct the value for the query parameter in the request and resubmit the request if the operation failed.',
    args: 2,
  },
  ResourceAlreadyExists: {
    message: 'The requested resource of type %1 with the property %2 with the value %3 already exists.',
    severity: 'Critical',
    resolution: 'Do not repeat the create operation as the resource has already been created.',
    args: 3,
  },
  Created: { message: 'The resource has been created successfully.', severity: 'OK', resolution: 'None.', args: 0 },
  ResourceCannotBeDeleted: {
    message: 'The delete request failed because the resource requested cannot be deleted.',
    severity: 'Critical',
    resolution: 'Do not attempt to delete a non-deletable resource.',
    args: 0,
  },
  TaskStarted: {
    message: 'The task with Id %1 has started.',
    severity: 'OK',
    resolution: 'None.',
    args: 1,
  },
} as const satisfies Record<string, MessageDef>;

export type MessageId = keyof typeof BASE_MESSAGES;

export interface ExtendedInfo {
  '@odata.type': string;
  MessageId: string;
  Message: string;
  MessageArgs: string[];
  Severity: string;
  MessageSeverity: string;
  Resolution: string;
  RelatedProperties?: string[];
}

export function messageInfo(id: MessageId, args: readonly string[] = [], related?: string): ExtendedInfo {
  const def: MessageDef = BASE_MESSAGES[id];
  const message = def.message.replace(/%(\d)/g, (_, n: string) => args[Number(n) - 1] ?? '');
  return {
    '@odata.type': '#Message.v1_1_1.Message',
    MessageId: `${BASE_REGISTRY_ID}.${id}`,
    Message: message,
    MessageArgs: args.map(String),
    // deprecated for MessageSeverity (Message v1_1_0), kept: sushy 4.3 picks an error's message by `Severity`
    Severity: def.severity,
    MessageSeverity: def.severity,
    Resolution: def.resolution,
    ...(related ? { RelatedProperties: [related] } : {}),
  };
}

export interface RedfishErrorBody {
  error: { code: string; message: string; '@Message.ExtendedInfo': ExtendedInfo[] };
}

/** The Redfish error JSON; `detail` (a sentence a person can act on) replaces the first message's text. */
export function errorBody(infos: ExtendedInfo[], detail?: string): RedfishErrorBody {
  const first = infos[0] ?? messageInfo('GeneralError');
  const list = detail ? [{ ...first, Message: detail }, ...infos.slice(1)] : infos.length ? infos : [first];
  return {
    error: {
      code: first.MessageId,
      message: detail ?? (infos.length > 1 ? 'Multiple errors occurred; see @Message.ExtendedInfo.' : first.Message),
      '@Message.ExtendedInfo': list,
    },
  };
}

/** The registry document served at /redfish/v1/Registries/Base/Base.json. */
export function baseRegistryDocument(): Record<string, unknown> {
  const messages: Record<string, unknown> = {};
  for (const [id, def] of Object.entries(BASE_MESSAGES) as [MessageId, MessageDef][]) {
    messages[id] = {
      Description: def.message,
      Message: def.message,
      // deprecated for MessageSeverity, kept: sushy 4.3's MessageRegistry requires `Severity` on every message
      Severity: def.severity,
      MessageSeverity: def.severity,
      NumberOfArgs: def.args,
      ParamTypes: Array.from({ length: def.args }, () => 'string'),
      Resolution: def.resolution,
    };
  }
  return {
    '@odata.type': '#MessageRegistry.v1_6_0.MessageRegistry',
    Id: BASE_REGISTRY_ID,
    Name: 'Base Message Registry',
    Language: 'en',
    Description: 'The Base message registry subset emitted by bmc-emu.',
    RegistryPrefix: 'Base',
    RegistryVersion: '1.16.0',
    OwningEntity: 'DMTF',
    Messages: messages,
  };
}

export const RESOURCE_EVENT_REGISTRY_ID = 'ResourceEvent.1.3.0';

/** The ResourceEvent messages our events carry (ResourceEvent.1.3.<Id>). */
export function resourceEventRegistryDocument(): Record<string, unknown> {
  const msg = (message: string) => ({
    Description: message,
    Message: message,
    Severity: 'OK',
    MessageSeverity: 'OK',
    NumberOfArgs: 0,
    ParamTypes: [],
    Resolution: 'None.',
  });
  return {
    '@odata.type': '#MessageRegistry.v1_6_0.MessageRegistry',
    Id: RESOURCE_EVENT_REGISTRY_ID,
    Name: 'Resource Event Message Registry',
    Language: 'en',
    Description: 'The ResourceEvent messages emitted by bmc-emu events.',
    RegistryPrefix: 'ResourceEvent',
    RegistryVersion: '1.3.0',
    OwningEntity: 'DMTF',
    Messages: {
      ResourceChanged: msg('One or more resource properties have changed.'),
      ResourceCreated: msg('The resource has been created successfully.'),
      ResourceRemoved: msg('The resource has been removed successfully.'),
    },
  };
}
