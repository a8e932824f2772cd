/**
 * PostgreSQL over TLS (issue 16, item 3): the gateway process on the project's PostgreSQL, started by
 * scripts/postgres.sh with ssl=on, connecting with `sslmode=verify-full&sslrootcert=<CA file>`. Every
 * connection of its pool is encrypted, records go in and come back; a server certificate the CA did
 * not sign stops the start with one clear line that does not repeat the connection string.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createTestDatabase, http, startGatewayProcess } from '../support/gateway.js';
import { makeValidRecord } from '../support/record-factory.js';
import { recordPath } from '../../src/ingest/rest/record-paths.js';

const API_KEY = 'pg-tls-dev-key-0123456789abcdef0123';

function caFile(): string {
  const ca = process.env['CROSSGATE_TEST_PG_CA'];
  if (ca === undefined || ca === '') throw new Error('CROSSGATE_TEST_PG_CA is not set: the test setup exports $(bash scripts/postgres.sh ca)');
  return ca;
}

const withTls = (url: string, ca: string) => `${url}?sslmode=verify-full&sslrootcert=${encodeURIComponent(ca)}`;

describe('PostgreSQL over TLS (sslmode=verify-full)', () => {
  let db: { url: string; drop(): Promise<void> };
  const dir = mkdtempSync(join(tmpdir(), 'cg-pgtls-'));
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores and reads records with every connection of the pool on TLS', async () => {
    const gateway = await startGatewayProcess({
      env: { CROSSGATE_STORE: 'postgres', CROSSGATE_PG_URL: withTls(db.url, caFile()), CROSSGATE_DEV_API_KEY: API_KEY, CROSSGATE_BATCH_LINGER_MS: '20' },
      readyTimeoutMs: 120_000,
    });
    try {
      const record = makeValidRecord('cn.gov.transport.trip', 1, { idPrefix: 'pg-tls-' });
      const posted = await http(gateway.url, 'POST', '/v1/records', { apiKey: API_KEY, body: record });
      assert.equal(posted.status, 202, posted.text);
      const read = await http(gateway.url, 'GET', recordPath({ source: record.source, id: record.id }), { apiKey: API_KEY });
      assert.equal(read.status, 200, read.text);

      const name = new URL(db.url).pathname.slice(1);
      const client = new pg.Client({ connectionString: process.env['CROSSGATE_TEST_PG_URL'] });
      await client.connect();
      try {
        const { rows } = await client.query<{ ssl: boolean; version: string | null }>(
          'SELECT s.ssl, s.version FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.datname = $1', [name]);
        assert.ok(rows.length > 0, 'the gateway holds connections to its database');
        assert.deepEqual(rows.filter((r) => !r.ssl), [], 'no plaintext connection');
        assert.ok(rows.every((r) => r.version === 'TLSv1.3' || r.version === 'TLSv1.2'), JSON.stringify(rows));
      } finally {
        await client.end();
      }
      assert.equal(await gateway.stop(), 0);
    } finally {
      await gateway.cleanup();
    }
  });

  it('refuses to start against a server its CA did not sign, in one line without the connection string', async () => {
    const otherCa = join(dir, 'other-ca.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=Not the PostgreSQL CA', '-keyout', join(dir, 'other-ca.key'), '-out', otherCa], { stdio: 'ignore' });
    const url = withTls(db.url, otherCa);
    await assert.rejects(
      startGatewayProcess({ env: { CROSSGATE_STORE: 'postgres', CROSSGATE_PG_URL: url, CROSSGATE_DEV_API_KEY: API_KEY }, readyTimeoutMs: 60_000 }),
      (error: Error) => {
        const lines = error.message.split('\n').filter((l) => l.startsWith('crossgate: cannot start'));
        assert.equal(lines.length, 1, error.message);
        assert.match(lines[0] as string, /PostgreSQL store: .*certificate/);
        assert.equal(error.message.includes(new URL(db.url).pathname), false, 'the connection string is not repeated');
        return true;
      },
    );
  });
});
