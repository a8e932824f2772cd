/**
 * The REST door over HTTPS (issue 16, item 2), against a real gateway process and certificates made
 * by openssl: API keys over TLS; tenants authenticated by client certificate (a URI SAN, a subject);
 * certificates from another CA or mapped to no tenant refused with 401; TLS 1.2 and 1.3 served, plain
 * HTTP not; SIGHUP swaps the certificate for new connections while an open keep-alive connection goes
 * on, and a broken file on reload keeps the current one; with CLIENT_AUTH=required no certificate, no
 * handshake.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { hashApiKey } from '../../src/config/tenants.js';
import { recordPath } from '../../src/ingest/rest/record-paths.js';
import { startGatewayProcess, waitFor, type GatewayProcess } from '../support/gateway.js';
import { makeValidRecord } from '../support/record-factory.js';

const dir = mkdtempSync(join(tmpdir(), 'cg-https-'));
const file = (name: string) => join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });

function makeCa(name: string): void {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.pem`);
}

function issue(name: string, ca: string, subject: string, extension: string): void {
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.csr`);
  writeFileSync(file(`${name}.ext`), `${extension}\n`);
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2', '-out', `${name}.pem`, '-extfile', `${name}.ext`);
}

const read = (name: string) => readFileSync(file(name), 'utf8');

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly fingerprint: string | undefined;
  readonly localPort: number | undefined;
}

interface ClientOptions {
  readonly cert?: string;
  readonly apiKey?: string;
  readonly agent?: Agent;
  readonly maxVersion?: 'TLSv1.2' | 'TLSv1.3';
}

function call(url: string, method: string, path: string, options: ClientOptions & { body?: unknown }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, {
      method,
      ca: read('ca.pem'),
      ...(options.cert === undefined ? {} : { cert: read(`${options.cert}.pem`), key: read(`${options.cert}.key`) }),
      ...(options.maxVersion === undefined ? {} : { maxVersion: options.maxVersion }),
      agent: options.agent ?? false,
      headers: {
        ...(options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` }),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
    }, (res) => {
      const socket = res.socket as TLSSocket;
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      const localPort = socket.localPort;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, fingerprint, localPort }));
    });
    req.on('error', reject);
    req.end(options.body === undefined ? undefined : JSON.stringify(options.body));
  });
}

const KEY_C = 'https-tenant-c-key-0123456789abcdef';
const SPIFFE_A = 'spiffe://crossgate.test/beijing/transport';
const SUBJECT_B = 'CN=finance-exporter,O=Beijing Finance\\, Bureau,C=CN';

describe('REST over HTTPS', () => {
  let gateway: GatewayProcess;
  let n = 0;
  const record = (source: string) => makeValidRecord('cn.gov.transport.trip', n++, { source, idPrefix: 'https-' });
  before(async () => {
    makeCa('ca');
    makeCa('other-ca');
    issue('server', 'ca', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost');
    issue('server-renewed', 'ca', '/CN=127.0.0.1/O=renewed', 'subjectAltName=IP:127.0.0.1,DNS:localhost');
    issue('client-a', 'ca', '/CN=transport-exporter', `subjectAltName=URI:${SPIFFE_A}\nextendedKeyUsage=clientAuth`);
    issue('client-b', 'ca', '/C=CN/O=Beijing Finance, Bureau/CN=finance-exporter', 'extendedKeyUsage=clientAuth');
    issue('client-nobody', 'ca', '/CN=nobody', 'extendedKeyUsage=clientAuth');
    issue('client-foreign', 'other-ca', '/CN=transport-exporter', `subjectAltName=URI:${SPIFFE_A}\nextendedKeyUsage=clientAuth`);
    writeFileSync(file('live.pem'), read('server.pem'));
    writeFileSync(file('live.key'), read('server.key'));
    writeFileSync(file('tenants.json'), JSON.stringify({
      tenants: [
        { id: 'a', clientCertificates: [{ uri: SPIFFE_A }], sourcePrefixes: ['/beijing/transport'], allowedTypes: '*' },
        { id: 'b', clientCertificates: [{ subject: SUBJECT_B }], sourcePrefixes: ['/beijing/finance'], allowedTypes: '*' },
        { id: 'c', apiKeySha256: hashApiKey(KEY_C), sourcePrefixes: ['/beijing/telecom'], allowedTypes: '*' },
      ],
    }));
    gateway = await startGatewayProcess({
      env: {
        CROSSGATE_TENANTS_FILE: file('tenants.json'),
        CROSSGATE_REST_TLS_CERT_FILE: file('live.pem'),
        CROSSGATE_REST_TLS_KEY_FILE: file('live.key'),
        CROSSGATE_REST_TLS_CLIENT_CA_FILE: file('ca.pem'),
        CROSSGATE_BATCH_LINGER_MS: '20',
      },
      readyTimeoutMs: 120_000,
    });
  });
  after(async () => {
    await gateway?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves https, authenticates an API key, a URI SAN and a subject, and keeps each tenant to its records', async () => {
    assert.match(gateway.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const byKey = record('/beijing/telecom/unicom');
    assert.equal((await call(gateway.url, 'POST', '/v1/records', { apiKey: KEY_C, body: byKey })).status, 202);
    const byUri = record('/beijing/transport/metro');
    const answerA = await call(gateway.url, 'POST', '/v1/records', { cert: 'client-a', body: byUri });
    assert.equal(answerA.status, 202, answerA.text);
    const bySubject = record('/beijing/finance/treasury');
    const answerB = await call(gateway.url, 'POST', '/v1/records', { cert: 'client-b', body: bySubject });
    assert.equal(answerB.status, 202, answerB.text);

    assert.equal((await call(gateway.url, 'GET', recordPath(byUri), { cert: 'client-a' })).status, 200);
    assert.equal((await call(gateway.url, 'GET', recordPath(bySubject), { cert: 'client-b' })).status, 200);
    assert.equal((await call(gateway.url, 'GET', recordPath(byUri), { cert: 'client-b' })).status, 404, "b does not read a's record");
    const outside = await call(gateway.url, 'POST', '/v1/records', { cert: 'client-a', body: record('/beijing/finance/treasury') });
    assert.equal(outside.status, 403, `a may not submit as a finance source: ${outside.text}`);
  });

  it('refuses a certificate from another CA and one mapped to no tenant with 401; the API key still works beside them', async () => {
    const foreign = await call(gateway.url, 'POST', '/v1/records', { cert: 'client-foreign', body: record('/beijing/transport/metro') });
    assert.equal(foreign.status, 401, foreign.text);
    assert.match(foreign.text, /Send Authorization: Bearer/);
    const nobody = await call(gateway.url, 'POST', '/v1/records', { cert: 'client-nobody', body: record('/beijing/transport/metro') });
    assert.equal(nobody.status, 401, nobody.text);
    assert.match(nobody.text, /CN=nobody.*not mapped to one tenant/);
    const keyBesideForeign = await call(gateway.url, 'POST', '/v1/records', { cert: 'client-foreign', apiKey: KEY_C, body: record('/beijing/telecom/unicom') });
    assert.equal(keyBesideForeign.status, 202, keyBesideForeign.text);
    const wrongKeyBesideGoodCert = await call(gateway.url, 'POST', '/v1/records', { cert: 'client-a', apiKey: 'not-a-key-of-anyone-0123456789', body: record('/beijing/transport/metro') });
    assert.equal(wrongKeyBesideGoodCert.status, 401, 'a request with a key is judged by its key alone');
  });

  it('speaks TLS 1.2 and 1.3, and not plain HTTP', async () => {
    assert.equal((await call(gateway.url, 'GET', '/health/live', { maxVersion: 'TLSv1.2' })).status, 200);
    assert.equal((await call(gateway.url, 'GET', '/health/live', { maxVersion: 'TLSv1.3' })).status, 200);
    const plain = await new Promise<string>((resolve) => {
      const req = httpRequest(gateway.url.replace('https:', 'http:') + '/health/live', (res) => resolve(`status ${res.statusCode}`));
      req.on('error', (error) => resolve(`error ${error.message}`));
      req.end();
    });
    assert.doesNotMatch(plain, /^status 2/, `plain HTTP is not served: ${plain}`);
  });

  it('SIGHUP: new connections get the renewed certificate, an open connection goes on, a broken file keeps the current one', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const first = await call(gateway.url, 'GET', '/health/live', { agent });
    writeFileSync(file('live.pem'), read('server-renewed.pem'));
    writeFileSync(file('live.key'), read('server-renewed.key'));
    process.kill(gateway.pid, 'SIGHUP');
    await waitFor('the reload logged', async () => (gateway.output.some((l) => l.includes('TLS certificate reloaded')) ? true : undefined), 10_000);
    const sameConnection = await call(gateway.url, 'GET', '/health/live', { agent });
    assert.equal(sameConnection.status, 200);
    assert.equal(sameConnection.localPort, first.localPort, 'the keep-alive connection was not dropped');
    assert.equal(sameConnection.fingerprint, first.fingerprint, 'an open connection keeps the certificate of its handshake');
    const fresh = await call(gateway.url, 'GET', '/health/live', {});
    assert.notEqual(fresh.fingerprint, first.fingerprint, 'a new connection gets the renewed certificate');
    agent.destroy();

    writeFileSync(file('live.key'), read('server.key')); // the old key: no longer the certificate's
    process.kill(gateway.pid, 'SIGHUP');
    await waitFor('the failed reload logged', async () => (gateway.output.some((l) => l.includes('TLS reload failed')) ? true : undefined), 10_000);
    const failedLine = gateway.output.find((l) => l.includes('TLS reload failed')) as string;
    assert.match(failedLine, /CROSSGATE_REST_TLS_KEY_FILE/);
    assert.doesNotMatch(failedLine, /PRIVATE KEY/);
    const afterFailed = await call(gateway.url, 'GET', '/health/live', {});
    assert.equal(afterFailed.status, 200);
    assert.equal(afterFailed.fingerprint, fresh.fingerprint, 'the renewed certificate stays after a failed reload');
  });

  it('with CLIENT_AUTH=required, no handshake without a trusted client certificate', async () => {
    const strict = await startGatewayProcess({
      env: {
        CROSSGATE_TENANTS_FILE: file('tenants.json'),
        CROSSGATE_REST_TLS_CERT_FILE: file('server.pem'),
        CROSSGATE_REST_TLS_KEY_FILE: file('server.key'),
        CROSSGATE_REST_TLS_CLIENT_CA_FILE: file('ca.pem'),
        CROSSGATE_REST_TLS_CLIENT_AUTH: 'required',
      },
      readyTimeoutMs: 120_000,
    });
    try {
      assert.equal((await call(strict.url, 'GET', '/health/live', { cert: 'client-a' })).status, 200);
      await assert.rejects(call(strict.url, 'GET', '/health/live', {}), /certificate|socket hang up|ECONNRESET/i);
      await assert.rejects(call(strict.url, 'GET', '/health/live', { cert: 'client-foreign' }), /certificate|unknown ca|socket hang up|ECONNRESET/i);
    } finally {
      await strict.cleanup();
    }
  });

  it('refuses to start on a key that is not the certificate\'s, or certificate rules without a client CA', async () => {
    await assert.rejects(startGatewayProcess({
      env: { CROSSGATE_REST_TLS_CERT_FILE: file('server.pem'), CROSSGATE_REST_TLS_KEY_FILE: file('client-a.key') },
      readyTimeoutMs: 30_000,
    }), /CROSSGATE_REST_TLS_KEY_FILE: .*is not the key of the certificate/);
    await assert.rejects(startGatewayProcess({
      env: { CROSSGATE_TENANTS_FILE: file('tenants.json'), CROSSGATE_REST_TLS_CERT_FILE: file('server.pem'), CROSSGATE_REST_TLS_KEY_FILE: file('server.key') },
      readyTimeoutMs: 30_000,
    }), /tenants\.0\.clientCertificates: client certificates need HTTPS with CROSSGATE_REST_TLS_CLIENT_CA_FILE/);
  });
});
