/** SessionService documents. Pure. */
import { link, uri } from './uris.js';

export interface SessionView {
  id: string;
  userName: string;
  created: Date;
}

export function sessionServiceDocument(timeoutSec: number): Record<string, unknown> {
  return {
    '@odata.type': '#SessionService.v1_1_9.SessionService',
    '@odata.id': uri.sessionService,
    Id: 'SessionService',
    Name: 'Session Service',
    ServiceEnabled: true,
    SessionTimeout: timeoutSec,
    Status: { State: 'Enabled', Health: 'OK' },
    Sessions: link(uri.sessions),
  };
}

export function sessionResource(s: SessionView): Record<string, unknown> {
  return {
    '@odata.type': '#Session.v1_6_0.Session',
    '@odata.id': `${uri.sessions}/${s.id}`,
    Id: s.id,
    Name: 'User Session',
    UserName: s.userName,
    CreatedTime: s.created.toISOString(),
    SessionType: 'Redfish',
  };
}
