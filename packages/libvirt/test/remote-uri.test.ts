import { parseLibvirtUri } from '@bmc-emu/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { connectUri } from '../src/remote-uri.js';

describe('connectUri: ssh options become libvirt URI parameters', () => {
  it('adds keyfile, known_hosts and the host-key policy, as libvirt spells them', () => {
    expect(connectUri({ uri: 'qemu+tcp://10.0.0.2/system' })).toBe('qemu+tcp://10.0.0.2/system');
    expect(connectUri({ uri: 'qemu+ssh://root@h/system', ssh: { keyFile: '/k/id', verifyHostKey: false } })).toBe(
      'qemu+ssh://root@h/system?keyfile=/k/id&no_verify=1',
    );
    expect(
      connectUri({
        uri: 'qemu+libssh://root@h/system?sshauth=privkey',
        ssh: { keyFile: '/k/id', knownHostsFile: '/k/known hosts', verifyHostKey: true },
      }),
    ).toBe('qemu+libssh://root@h/system?sshauth=privkey&keyfile=/k/id&known_hosts=/k/known%20hosts');
    expect(connectUri({ uri: 'qemu+libssh://h/system', ssh: { verifyHostKey: false } })).toBe(
      'qemu+libssh://h/system?known_hosts_verify=ignore',
    );
  });

  it('keeps a parameter already in the URI', () => {
    expect(
      connectUri({ uri: 'qemu+ssh://h/system?keyfile=/mine', ssh: { keyFile: '/other', verifyHostKey: true } }),
    ).toBe('qemu+ssh://h/system?keyfile=/mine');
  });

  it('property: the added parameters read back unchanged, and the original ones are kept', () => {
    const path = fc.stringMatching(/^\/[\w ./%&=?+-]{0,30}$/);
    fc.assert(
      fc.property(
        fc.constantFrom('ssh', 'libssh', 'libssh2'),
        fc.option(path, { nil: undefined }),
        fc.option(path, { nil: undefined }),
        fc.boolean(),
        fc.constantFrom('', '?sshauth=privkey', '?socket=/run/x&mode=legacy'),
        (t, keyFile, knownHostsFile, verifyHostKey, query) => {
          const uri = `qemu+${t}://root@h/system${query}`;
          const before = parseLibvirtUri(uri)!.params;
          const out = parseLibvirtUri(connectUri({ uri, ssh: { keyFile, knownHostsFile, verifyHostKey } }))!;
          expect(out.transport).toBe(t);
          expect(out.host).toBe('h');
          expect(out.params).toMatchObject(before);
          if (keyFile !== undefined) expect(out.params.keyfile).toBe(keyFile);
          if (knownHostsFile !== undefined) expect(out.params.known_hosts).toBe(knownHostsFile);
          if (!verifyHostKey) expect(out.params.no_verify ?? out.params.known_hosts_verify).toBeDefined();
        },
      ),
    );
  });
});
