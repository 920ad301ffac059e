/** A tiny path matcher for Redfish URIs: '/redfish/v1/Systems/{id}' style templates. Pure. */

export interface PathPattern {
  template: string;
  keys: string[];
  regex: RegExp;
}

export function compilePattern(template: string): PathPattern {
  const keys: string[] = [];
  const source = template
    .split('/')
    .map((seg) => {
      const m = /^\{(\w+)\}$/.exec(seg);
      if (m) {
        keys.push(m[1]!);
        return '([^/]+)';
      }
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { template, keys, regex: new RegExp(`^${source}$`) };
}

/** Match a decoded-segment path; returns params or undefined. A segment that fails to decode never matches. */
export function matchPattern(p: PathPattern, path: string): Record<string, string> | undefined {
  const m = p.regex.exec(path);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.keys.length; i++) {
    let v: string;
    try {
      v = decodeURIComponent(m[i + 1]!);
    } catch {
      return undefined;
    }
    params[p.keys[i]!] = v;
  }
  return params;
}

/** Strip a trailing slash (but keep '/') and collapse nothing else: '/redfish/v1/' -> '/redfish/v1'. */
export function normalizePath(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}
