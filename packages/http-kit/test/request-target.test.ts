import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitTarget } from '../src/request-target.js';

describe('splitTarget', () => {
  it('splits origin-form targets at the first ?, keeping the path raw', () => {
    expect(splitTarget('/redfish/v1/Systems/a%2Fb?$select=Id&x=1?2')).toEqual({
      path: '/redfish/v1/Systems/a%2Fb',
      rawQuery: '$select=Id&x=1?2',
      originalUrl: '/redfish/v1/Systems/a%2Fb?$select=Id&x=1?2',
    });
    expect(splitTarget('/boot.ipxe')).toEqual({ path: '/boot.ipxe', rawQuery: '', originalUrl: '/boot.ipxe' });
    expect(splitTarget(undefined).path).toBe('/');
  });

  it('takes the path of an absolute-form target and leaves * and junk alone', () => {
    expect(splitTarget('http://bmc.example:8000/redfish/v1?$top=1').path).toBe('/redfish/v1');
    expect(splitTarget('*').path).toBe('*');
    expect(splitTarget('not a url').path).toBe('not a url');
  });

  it('never throws; path and query always come back together as the target', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (url) => {
        const t = splitTarget(url);
        expect(t.originalUrl).toBe(url);
        if (url.startsWith('/')) expect(t.rawQuery === '' ? t.path : `${t.path}?${t.rawQuery}`).toBe(url);
        expect(t.path.includes('?') && url.startsWith('/')).toBe(false);
      }),
      { numRuns: 3000 },
    );
  });
});
