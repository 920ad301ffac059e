import type { Ctx } from '../route.js';

/** Who is asking, as SEL entries name them: "Redfish user admin". */
export function redfishActor(c: Ctx): string {
  return `Redfish user ${c.principal?.account.userName ?? 'anonymous'}`;
}
