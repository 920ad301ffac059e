import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  composeConfigSchema,
  loadConfig,
  nodeSpread,
  parseLibvirtUri,
  resolveHypervisors,
  spreadNodes,
} from '../src/index.js';

const configSchema = composeConfigSchema({});

describe('driver.hypervisors config', () => {
  it('maps the libvirtUris list form onto hypervisors named after their hosts', () => {
    const c = configSchema.parse({
      driver: {
        libvirtUris: [
          'qemu:///system',
          'qemu+ssh://root@hv2.lab:2222/system',
          'qemu+tcp://10.0.0.3/system',
          'qemu+tls://hv2.lab/system',
          'test:///default',
        ],
      },
    });
    expect(resolveHypervisors(c.driver).map((h) => [h.name, h.uri])).toEqual([
      ['local', 'qemu:///system'],
      ['hv2.lab', 'qemu+ssh://root@hv2.lab:2222/system'],
      ['10.0.0.3', 'qemu+tcp://10.0.0.3/system'],
      ['hv2.lab-2', 'qemu+tls://hv2.lab/system'],
      ['local-2', 'test:///default'],
    ]);
  });

  it('takes named hypervisors with ssh options and timeouts; hypervisors win over libvirtUris', () => {
    const c = configSchema.parse({
      driver: {
        libvirtUris: ['qemu:///system'],
        hypervisors: [
          { name: 'a', uri: 'qemu+tcp://10.0.0.2/system', timeoutMs: 1500 },
          { name: 'b', uri: 'qemu+ssh://root@b/system', ssh: { keyFile: '/k', verifyHostKey: false } },
        ],
      },
    });
    const hs = resolveHypervisors(c.driver);
    expect(hs.map((h) => h.name)).toEqual(['a', 'b']);
    expect(hs[0]).toMatchObject({ timeoutMs: 1500, commandTimeoutMs: 20_000 });
    expect(hs[1]!.ssh).toEqual({ keyFile: '/k', verifyHostKey: false });
  });

  it('names the bad key and the fix', async () => {
    const bad = async (hypervisors: unknown[]) =>
      (await loadConfig({ schema: configSchema, env: {}, overrides: { driver: { hypervisors } } }).catch(
        (e: unknown) => e,
      )) as Error;
    expect((await bad([{ name: 'a', uri: 'x' }])).message).toMatch(/driver\.hypervisors\.0\.uri.*not a libvirt URI/);
    expect(
      (
        await bad([
          { name: 'a', uri: 'qemu:///system' },
          { name: 'a', uri: 'qemu+tcp://h/system' },
        ])
      ).message,
    ).toMatch(/driver\.hypervisors\.1\.name.*named twice/);
    expect((await bad([{ name: 'a', uri: 'qemu+tcp://h/system', ssh: { keyFile: '/k' } }])).message).toMatch(
      /ssh options need an ssh transport/,
    );
    expect((await bad([{ name: 'a', uri: 'qemu+ssh://h/system', ssh: { knownHostsFile: '/kh' } }])).message).toMatch(
      /qemu\+libssh:\/\/ for a known_hosts file/,
    );
    expect((await bad([{ name: '-x', uri: 'qemu:///system' }])).message).toMatch(/hypervisor name/);
  });

  it('parses libvirt URIs as libvirt users write them', () => {
    expect(parseLibvirtUri('qemu+ssh://root@[fd00::2]:22/system?keyfile=/a%20b&no_verify=1')).toEqual({
      driver: 'qemu',
      transport: 'ssh',
      host: '[fd00::2]',
      params: { keyfile: '/a b', no_verify: '1' },
    });
    expect(parseLibvirtUri('qemu:///system')).toEqual({ driver: 'qemu', transport: '', host: '', params: {} });
    expect(parseLibvirtUri('not a uri')).toBeUndefined();
  });

  it('property: derived names are unique and valid for any list of URIs; the parser never throws', () => {
    const uri = fc
      .tuple(
        fc.constantFrom('qemu', 'test', 'lxc'),
        fc.constantFrom('', '+ssh', '+tcp', '+tls', '+libssh'),
        fc.option(fc.stringMatching(/^[a-z]{1,5}$/), { nil: undefined }),
        fc.oneof(fc.constant(''), fc.domain(), fc.ipV4(), fc.string({ maxLength: 12 })),
      )
      .map(([d, t, u, h]) => `${d}${t}://${u ? `${u}@` : ''}${h}/system`);
    fc.assert(
      fc.property(fc.array(fc.oneof(uri, fc.string()), { minLength: 1, maxLength: 12 }), (uris) => {
        const hs = resolveHypervisors({ libvirtUris: uris });
        expect(new Set(hs.map((h) => h.name)).size).toBe(hs.length);
        for (const h of hs) expect(h.name).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/);
        expect(hs.map((h) => h.uri)).toEqual([...new Set(uris)]);
      }),
    );
    fc.assert(fc.property(fc.string(), (s) => void parseLibvirtUri(s)));
  });
});

describe("lab hook: spreading a plan's nodes over hypervisors", () => {
  const hs = resolveHypervisors({ libvirtUris: ['qemu:///system', 'qemu+ssh://root@b/system', 'qemu+tcp://c/system'] });

  it('assigns nodes in plan order and names the hypervisors that exist when one is unknown', () => {
    expect(
      spreadNodes(
        [
          { hypervisor: 'b', count: 2 },
          { hypervisor: 'local', count: 1 },
        ],
        hs,
      ).map((h) => h.name),
    ).toEqual(['b', 'b', 'local']);
    expect(() => spreadNodes([{ hypervisor: 'nope', count: 1 }], hs)).toThrow(/"nope".*it has: local, b, c/);
    expect(nodeSpread.safeParse([{ hypervisor: 'b', count: -1 }]).success).toBe(false);
  });

  it('property: as many placements as the counts add up to, each on the named hypervisor', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ hypervisor: fc.constantFrom('local', 'b', 'c'), count: fc.nat(20) }), { maxLength: 8 }),
        (hosts) => {
          const out = spreadNodes(hosts, hs);
          expect(out).toHaveLength(hosts.reduce((k, h) => k + h.count, 0));
          expect(out.map((h) => h.name)).toEqual(hosts.flatMap((h) => Array(h.count).fill(h.hypervisor)));
        },
      ),
    );
  });
});
