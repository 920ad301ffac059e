import { compilePattern, matchPattern } from '../codec/path-pattern.js';
import type { Route, RouteDef } from '../route.js';

export interface RouteHit {
  route: Route;
  params: Record<string, string>;
}

/** The routes in match order; the first whose pattern matches a path wins. */
export class RouteTable {
  private readonly routes: Route[];

  constructor(defs: RouteDef[]) {
    this.routes = defs.map((r) => ({ ...r, pattern: compilePattern(r.path) }));
  }

  find(path: string): RouteHit | undefined {
    for (const route of this.routes) {
      const params = matchPattern(route.pattern, path);
      if (params) return { route, params };
    }
    return undefined;
  }

  /** DSP0266: a POST to `<collection>/Members` is the same request as a POST to the collection. */
  membersAlias(path: string): RouteHit | undefined {
    if (!path.endsWith('/Members')) return undefined;
    const parent = this.find(path.slice(0, -'/Members'.length));
    return parent?.route.post ? parent : undefined;
  }
}
