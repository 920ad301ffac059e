import { compilePattern } from '../codec/path-pattern.js';
import type { Route, RouteDef } from '../route.js';
import { findMyWayRouter, type RouteHit, type RouteLookup, type RouterFactory } from '../router.js';

export type { RouteHit } from '../router.js';

/** The routes and their lookup (find-my-way unless another router is given, e.g. by the router bench). */
export class RouteTable {
  private readonly lookup: RouteLookup;

  constructor(defs: RouteDef[], router: RouterFactory = findMyWayRouter) {
    const routes: Route[] = defs.map((r) => ({ ...r, pattern: compilePattern(r.path) }));
    this.lookup = router(routes);
  }

  find(path: string): RouteHit | undefined {
    return this.lookup(path);
  }

  /** DSP0266: a POST to `<collection>/Members` is the same request as a POST to the collection. */
  membersAlias(path: string): RouteHit | undefined {
    if (!path.endsWith('/Members')) return undefined;
    const parent = this.find(path.slice(0, -'/Members'.length));
    return parent?.route.post ? parent : undefined;
  }
}
