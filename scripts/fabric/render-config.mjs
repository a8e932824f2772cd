// Renders the per-node Fabric configuration for the local test network from the release's own
// sampleconfig (core.yaml, orderer.yaml), so every setting we do not touch keeps Fabric's default
// for that version. Also writes cryptogen's and configtxgen's inputs and the connection profile.
//
//   node render-config.mjs ports   STATE            pick free 127.0.0.1 ports -> STATE/ports.json (kept if present)
//   node render-config.mjs nodes   STATE SAMPLECFG BUILDER   core.yaml per peer, orderer.yaml, configtx.yaml, crypto-config.yaml
//   node render-config.mjs profile STATE PACKAGE_IDS_JSON     STATE/profile.json
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import YAML from 'yaml';

const CHANNEL = 'crossgate';
const CHAINCODE = 'anchor';
const ORGS = [
  { name: 'org1', mspId: 'Org1MSP', domain: 'org1.example.com' },
  { name: 'org2', mspId: 'Org2MSP', domain: 'org2.example.com' },
];
const ORDERER = { mspId: 'OrdererMSP', domain: 'example.com', host: 'orderer.example.com' };

const [, , command, state, ...rest] = process.argv;
if (!command || !state) {
  console.error('usage: render-config.mjs ports|nodes|profile STATE [...]');
  process.exit(2);
}

const crypto = join(state, 'crypto');
const peerDir = (org) => join(crypto, 'peerOrganizations', org.domain, 'peers', `peer0.${org.domain}`);
const userDir = (org, user) => join(crypto, 'peerOrganizations', org.domain, 'users', `${user}@${org.domain}`);
const ordererNodeDir = join(crypto, 'ordererOrganizations', ORDERER.domain, 'orderers', ORDERER.host);

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function ports() {
  const file = join(state, 'ports.json');
  if (existsSync(file)) return;
  const names = ['orderer', 'ordererAdmin', 'ordererOps'];
  for (const org of ORGS) names.push(`${org.name}Peer`, `${org.name}PeerChaincode`, `${org.name}PeerOps`, `${org.name}Chaincode`);
  const picked = {};
  const seen = new Set();
  for (const n of names) {
    let p;
    do { p = await freePort(); } while (seen.has(p));
    seen.add(p);
    picked[n] = p;
  }
  writeFileSync(file, JSON.stringify(picked, null, 2) + '\n');
}

function readPorts() {
  return JSON.parse(readFileSync(join(state, 'ports.json'), 'utf8'));
}

/** Sets a dotted path in a YAML document, creating maps as needed. */
function set(doc, path, value) {
  doc.setIn(path.split('.'), value);
}

function renderPeer(sample, builder, org, p) {
  const doc = YAML.parseDocument(readFileSync(join(sample, 'core.yaml'), 'utf8'));
  const home = join(state, `peer-${org.name}`);
  const tls = join(peerDir(org), 'tls');
  const addr = `127.0.0.1:${p[`${org.name}Peer`]}`;
  const ccAddr = `127.0.0.1:${p[`${org.name}PeerChaincode`]}`;
  set(doc, 'peer.id', `peer0.${org.domain}`);
  set(doc, 'peer.networkId', 'crossgate');
  set(doc, 'peer.listenAddress', addr);
  set(doc, 'peer.address', addr);
  set(doc, 'peer.chaincodeListenAddress', ccAddr);
  set(doc, 'peer.chaincodeAddress', ccAddr);
  set(doc, 'peer.gossip.bootstrap', addr);
  set(doc, 'peer.gossip.endpoint', addr);
  set(doc, 'peer.gossip.externalEndpoint', addr);
  set(doc, 'peer.gossip.useLeaderElection', false);
  set(doc, 'peer.gossip.orgLeader', true);
  // Faster membership than the defaults (alive every 5 s, expiry after 25 s, reconnect every 25 s):
  // after a test restarts a peer, the others' view flapped for ~40 s (old incarnation expiring, new
  // one found on the next reconnect), and every endorsement in that window failed with "no
  // combination of peers". Two peers on loopback can afford the chatter.
  set(doc, 'peer.gossip.aliveTimeInterval', '2s');
  set(doc, 'peer.gossip.aliveExpirationTimeout', '10s');
  set(doc, 'peer.gossip.reconnectInterval', '2s');
  set(doc, 'peer.tls.enabled', true);
  set(doc, 'peer.tls.clientAuthRequired', false);
  set(doc, 'peer.tls.cert.file', join(tls, 'server.crt'));
  set(doc, 'peer.tls.key.file', join(tls, 'server.key'));
  set(doc, 'peer.tls.rootcert.file', join(tls, 'ca.crt'));
  set(doc, 'peer.fileSystemPath', join(home, 'data'));
  set(doc, 'peer.mspConfigPath', join(peerDir(org), 'msp'));
  set(doc, 'peer.localMspId', org.mspId);
  set(doc, 'peer.gateway.enabled', true);
  set(doc, 'peer.profile.enabled', false);
  set(doc, 'ledger.snapshots.rootDir', join(home, 'snapshots'));
  set(doc, 'operations.listenAddress', `127.0.0.1:${p[`${org.name}PeerOps`]}`);
  set(doc, 'metrics.provider', 'disabled');
  // No Docker: the only way chaincode runs is the chaincode-as-a-service builder.
  set(doc, 'vm.endpoint', '');
  set(doc, 'chaincode.externalBuilders', [{ name: 'ccaas_builder', path: builder, propagateEnvironment: ['CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG'] }]);
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, 'core.yaml'), doc.toString());
}

function renderOrderer(sample, p) {
  const doc = YAML.parseDocument(readFileSync(join(sample, 'orderer.yaml'), 'utf8'));
  const home = join(state, 'orderer');
  const tls = join(ordererNodeDir, 'tls');
  set(doc, 'General.ListenAddress', '127.0.0.1');
  set(doc, 'General.ListenPort', p.orderer);
  set(doc, 'General.TLS.Enabled', true);
  set(doc, 'General.TLS.PrivateKey', join(tls, 'server.key'));
  set(doc, 'General.TLS.Certificate', join(tls, 'server.crt'));
  set(doc, 'General.TLS.RootCAs', [join(tls, 'ca.crt')]);
  set(doc, 'General.TLS.ClientAuthRequired', false);
  set(doc, 'General.Cluster.ClientCertificate', join(tls, 'server.crt'));
  set(doc, 'General.Cluster.ClientPrivateKey', join(tls, 'server.key'));
  set(doc, 'General.Cluster.RootCAs', [join(tls, 'ca.crt')]);
  set(doc, 'General.BootstrapMethod', 'none');
  set(doc, 'General.LocalMSPDir', join(ordererNodeDir, 'msp'));
  set(doc, 'General.LocalMSPID', ORDERER.mspId);
  set(doc, 'FileLedger.Location', join(home, 'data'));
  set(doc, 'Consensus.WALDir', join(home, 'etcdraft', 'wal'));
  set(doc, 'Consensus.SnapDir', join(home, 'etcdraft', 'snapshot'));
  set(doc, 'Operations.ListenAddress', `127.0.0.1:${p.ordererOps}`);
  set(doc, 'Metrics.Provider', 'disabled');
  set(doc, 'Admin.ListenAddress', `127.0.0.1:${p.ordererAdmin}`);
  set(doc, 'Admin.TLS.Enabled', true);
  set(doc, 'Admin.TLS.PrivateKey', join(tls, 'server.key'));
  set(doc, 'Admin.TLS.Certificate', join(tls, 'server.crt'));
  set(doc, 'Admin.TLS.RootCAs', [join(tls, 'ca.crt')]);
  set(doc, 'Admin.TLS.ClientAuthRequired', true);
  set(doc, 'Admin.TLS.ClientRootCAs', [join(tls, 'ca.crt')]);
  set(doc, 'ChannelParticipation.Enabled', true);
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, 'orderer.yaml'), doc.toString());
}

function cryptoConfig() {
  const sans = ['localhost', '127.0.0.1'];
  return {
    OrdererOrgs: [{ Name: 'Orderer', Domain: ORDERER.domain, EnableNodeOUs: true, Specs: [{ Hostname: 'orderer', SANS: sans }] }],
    PeerOrgs: ORGS.map((o) => ({ Name: o.mspId.replace(/MSP$/, ''), Domain: o.domain, EnableNodeOUs: true, Template: { Count: 1, SANS: sans }, Users: { Count: 1 } })),
  };
}

function sig(rule) {
  return { Type: 'Signature', Rule: rule };
}
function meta(rule) {
  return { Type: 'ImplicitMeta', Rule: rule };
}

function configtx(p) {
  const ordererOrg = {
    Name: 'OrdererOrg',
    ID: ORDERER.mspId,
    MSPDir: join(crypto, 'ordererOrganizations', ORDERER.domain, 'msp'),
    Policies: {
      Readers: sig(`OR('${ORDERER.mspId}.member')`),
      Writers: sig(`OR('${ORDERER.mspId}.member')`),
      Admins: sig(`OR('${ORDERER.mspId}.admin')`),
    },
    OrdererEndpoints: [`127.0.0.1:${p.orderer}`],
  };
  const peerOrgs = ORGS.map((o) => ({
    Name: o.mspId,
    ID: o.mspId,
    MSPDir: join(crypto, 'peerOrganizations', o.domain, 'msp'),
    Policies: {
      Readers: sig(`OR('${o.mspId}.admin', '${o.mspId}.peer', '${o.mspId}.client')`),
      Writers: sig(`OR('${o.mspId}.admin', '${o.mspId}.client')`),
      Admins: sig(`OR('${o.mspId}.admin')`),
      Endorsement: sig(`OR('${o.mspId}.peer')`),
    },
    // Anchor peers let each org's peer discover the other's, which the gateway needs to collect
    // endorsements from both organizations.
    AnchorPeers: [{ Host: '127.0.0.1', Port: p[`${o.name}Peer`] }],
  }));
  const tls = join(ordererNodeDir, 'tls', 'server.crt');
  return {
    Profiles: {
      CrossgateChannel: {
        Policies: { Readers: meta('ANY Readers'), Writers: meta('ANY Writers'), Admins: meta('MAJORITY Admins') },
        Capabilities: { V2_0: true },
        Orderer: {
          OrdererType: 'etcdraft',
          // Short batch timeout: one anchor transaction should not wait seconds for a block.
          BatchTimeout: '250ms',
          BatchSize: { MaxMessageCount: 500, AbsoluteMaxBytes: '99 MB', PreferredMaxBytes: '2 MB' },
          EtcdRaft: { Consenters: [{ Host: '127.0.0.1', Port: p.orderer, ClientTLSCert: tls, ServerTLSCert: tls }] },
          Organizations: [ordererOrg],
          Policies: { Readers: meta('ANY Readers'), Writers: meta('ANY Writers'), Admins: meta('MAJORITY Admins'), BlockValidation: meta('ANY Writers') },
          Capabilities: { V2_0: true },
        },
        Application: {
          Organizations: peerOrgs,
          Policies: {
            Readers: meta('ANY Readers'),
            Writers: meta('ANY Writers'),
            Admins: meta('MAJORITY Admins'),
            LifecycleEndorsement: meta('MAJORITY Endorsement'),
            Endorsement: meta('MAJORITY Endorsement'),
          },
          Capabilities: { V2_5: true },
        },
      },
    },
  };
}

function nodes(sample, builder) {
  const p = readPorts();
  const cfg = join(state, 'config');
  mkdirSync(cfg, { recursive: true });
  writeFileSync(join(cfg, 'crypto-config.yaml'), YAML.stringify(cryptoConfig()));
  writeFileSync(join(cfg, 'configtx.yaml'), YAML.stringify(configtx(p)));
  renderOrderer(sample, p);
  for (const org of ORGS) renderPeer(sample, builder, org, p);
}

function identity(org, user) {
  const msp = join(userDir(org, user), 'msp');
  return {
    mspId: org.mspId,
    certPath: join(msp, 'signcerts', `${user}@${org.domain}-cert.pem`),
    keyPath: join(msp, 'keystore', 'priv_sk'),
  };
}

function profile(packageIdsJson) {
  const p = readPorts();
  const packageIds = JSON.parse(packageIdsJson ?? '{}');
  const org1 = ORGS[0];
  const out = {
    kind: 'fabric',
    channel: CHANNEL,
    chaincode: CHAINCODE,
    stateDir: state,
    peers: ORGS.map((o) => ({
      name: `peer0.${o.domain}`,
      org: o.name,
      mspId: o.mspId,
      endpoint: `127.0.0.1:${p[`${o.name}Peer`]}`,
      hostAlias: `peer0.${o.domain}`,
      tlsCaPath: join(peerDir(o), 'tls', 'ca.crt'),
      chaincodeAddress: `127.0.0.1:${p[`${o.name}Chaincode`]}`,
      packageId: packageIds[o.name] ?? null,
    })),
    orderer: {
      endpoint: `127.0.0.1:${p.orderer}`,
      adminEndpoint: `127.0.0.1:${p.ordererAdmin}`,
      tlsCaPath: join(ordererNodeDir, 'tls', 'ca.crt'),
    },
    // The gateway anchors as an ordinary client of Org1; gateway keys are managed by Org1's admin.
    identities: {
      gateway: identity(org1, 'User1'),
      admin: identity(org1, 'Admin'),
      org2Admin: identity(ORGS[1], 'Admin'),
      org2Client: identity(ORGS[1], 'User1'),
    },
  };
  writeFileSync(join(state, 'profile.json'), JSON.stringify(out, null, 2) + '\n');
}

switch (command) {
  case 'ports':
    await ports();
    break;
  case 'nodes':
    nodes(rest[0], rest[1]);
    break;
  case 'profile':
    profile(rest[0]);
    break;
  default:
    console.error(`unknown command ${command}`);
    process.exit(2);
}

