import { isObj, type Obj } from './obj.js';
import type { Violation } from './violation.js';

/**
 * `platform.baremetal.loadBalancer.type` (pkg/types/baremetal/validation/platform.go validateLoadBalancer).
 * `UserManaged` means the user runs the load balancer: the installer then lets the VIPs sit outside the
 * machine networks and lets API and Ingress share one (validateAPIAndIngressVIPs in installconfig.go).
 */
export const LOAD_BALANCER_TYPES = ['OpenShiftManagedDefault', 'UserManaged'] as const;

export function isUserManaged(bm: Obj): boolean {
  return isObj(bm.loadBalancer) && bm.loadBalancer.type === 'UserManaged';
}

export function checkLoadBalancer(bm: Obj, out: Violation[]): void {
  if (bm.loadBalancer === undefined || bm.loadBalancer === null) return;
  const type = isObj(bm.loadBalancer) ? bm.loadBalancer.type : undefined;
  if (!(LOAD_BALANCER_TYPES as readonly unknown[]).includes(type)) {
    out.push({
      path: 'platform.baremetal.loadBalancer.type',
      value: type,
      message: 'invalid load balancer type',
      fix: 'use OpenShiftManagedDefault (keepalived + haproxy on the nodes) or UserManaged (your own)',
    });
  }
}
