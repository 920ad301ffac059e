/**
 * Parity with dnsmasq 2.90: one libvirt-style OpenShift network DNS (api/api-int, *.apps, node names,
 * etcd-N and the _etcd-server-ssl._tcp SRV set) written once as dnsmasq config and once as ours
 * (fixtures/dns/ocp-network.*), both served in a test-made namespace, asked the same questions by dig.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { digIn, dnsmasqInNs, REPO, serveInNs } from './support/dns-lab.js';
import { NetNs } from './support/netns.js';
import { command, requirePeers, root } from './support/peers.js';

const gate = requirePeers('dns parity with dnsmasq', [
  root(),
  command('dig', 'dnsutils'),
  command('dnsmasq', 'dnsmasq-base'),
]);

const OURS = '172.30.0.1';
const DNSMASQ = '172.30.0.2';

const QUESTIONS: string[][] = [
  ...[
    'api',
    'api-int',
    'bootstrap',
    'master-0',
    'master-1',
    'master-2',
    'worker-0',
    'worker-1',
    'etcd-0',
    'etcd-1',
    'etcd-2',
  ].map((h) => [`${h}.ocp.lab.test`, 'A']),
  ['console-openshift-console.apps.ocp.lab.test', 'A'],
  ['oauth-openshift.apps.ocp.lab.test', 'A'],
  ['a.b.apps.ocp.lab.test', 'A'],
  ['API.OCP.Lab.Test', 'A'],
  ['_etcd-server-ssl._tcp.ocp.lab.test', 'SRV'],
  ['api.ocp.lab.test', 'AAAA'],
  ['x.apps.ocp.lab.test', 'AAAA'],
  ['nope.ocp.lab.test', 'A'],
  ['deep.nope.ocp.lab.test', 'AAAA'],
  ...['10', '11', '20', '21', '23', '31', '32', '99'].map((o) => ['-x', `192.168.126.${o}`]),
];

/**
 * Where dnsmasq is wrong and we are not: a name that exists (it has an A record through the *.apps
 * wildcard) must answer other types with NODATA (RFC 4592 §4, RFC 8020: NXDOMAIN would tell a resolver
 * that the name and everything below it does not exist, A included).
 */
const KNOWN_DIFFERENCES: Record<string, { dnsmasq: string; ours: string }> = {
  'x.apps.ocp.lab.test AAAA': { dnsmasq: 'NXDOMAIN', ours: 'NOERROR' },
};

gate.describe('our DNS answers a libvirt/OpenShift network the way dnsmasq does', () => {
  let ns: NetNs;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bmcemu-dns-parity-'));
    ns = new NetNs('dnsp');
    ns.addBridge('br0', `${OURS}/24`);
    ns.exec('ip', 'addr', 'add', `${DNSMASQ}/24`, 'dev', 'br0');
    await dnsmasqInNs(ns, DNSMASQ, [`--conf-file=${join(REPO, 'fixtures/dns/ocp-network.dnsmasq.conf')}`]);
    const section = parseYaml(await readFile(join(REPO, 'fixtures/dns/ocp-network.yaml'), 'utf8')) as object;
    const dns = JSON.stringify({ ...section, enabled: true, listen: [OURS] });
    await serveInNs(
      ns,
      dir,
      `stateDir: ${dir}/state\ndriver: { kind: memory, demoNodes: 0 }\nredfish: { enabled: false }\nipmi: { enabled: false }\ndns: ${dns}\n`,
    );
  });

  afterAll(async () => {
    ns?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('same status and the same answer records for every question', async () => {
    const rows: string[] = [];
    const differ: string[] = [];
    for (const q of QUESTIONS) {
      const theirs = await digIn(ns, DNSMASQ, ['+norec', ...q]);
      const ours = await digIn(ns, OURS, ['+norec', ...q]);
      const line = `${q.join(' ')}: dnsmasq ${theirs.status} [${theirs.answers.join(', ')}] / ours ${ours.status} [${ours.answers.join(', ')}]`;
      rows.push(line);
      const known = KNOWN_DIFFERENCES[q.join(' ')];
      if (known) {
        expect({ q, theirs: theirs.status, ours: ours.status }).toEqual({ q, theirs: known.dnsmasq, ours: known.ours });
        expect(ours.answers).toEqual(theirs.answers);
      } else if (ours.status !== theirs.status || ours.answers.join() !== theirs.answers.join()) differ.push(line);
    }
    console.info(`dns parity, ${rows.length} questions:\n  ${rows.join('\n  ')}`);
    expect(differ).toEqual([]);
    // the comparison means something only if dnsmasq really answered
    expect(rows.filter((r) => /dnsmasq NOERROR \[\S/.test(r)).length).toBeGreaterThan(15);
  });
});
