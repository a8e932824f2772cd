import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger, REDACTED, secretScrubber } from '../../src/logging.js';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l.length > 0));
      callback();
    },
  });
  return { lines, stream };
}

test('logs are JSON lines with level, time and the fields given', () => {
  const { lines, stream } = capture();
  const log = createLogger({ destination: stream });
  log.child({ batchId: 'b-1' }).info({ recordId: { source: '/s', id: '1' } }, 'sealed');
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
  assert.equal(line.level, 'info');
  assert.equal(line.msg, 'sealed');
  assert.equal(line.batchId, 'b-1');
  assert.deepEqual(line.recordId, { source: '/s', id: '1' });
  assert.equal(typeof line.time, 'string');
});

test('secret fields are redacted by name', () => {
  const { lines, stream } = capture();
  const log = createLogger({ destination: stream });
  log.info({ req: { headers: { authorization: 'Bearer abcdefabcdef' } }, apiKey: 'k-123456789', config: { privateKey: 'pk-xyz', password: 'pw-secret-1' } }, 'x');
  const text = lines.join('\n');
  for (const secret of ['abcdefabcdef', 'k-123456789', 'pk-xyz', 'pw-secret-1']) assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
  assert.ok(text.includes(REDACTED));
});

test('known secret values are scrubbed even inside messages and stack traces', () => {
  const { lines, stream } = capture();
  const secret = 'cg_live_0123456789abcdef';
  const log = createLogger({ destination: stream, secrets: [secret, 'db-pass"word'] });
  log.error({ err: new Error(`auth failed for ${secret}`) }, `key ${secret} rejected; db-pass"word`);
  const text = lines.join('\n');
  assert.ok(!text.includes(secret), text);
  assert.ok(!text.includes('db-pass\\"word'), text);
  assert.ok(text.includes(REDACTED));
});

test('the scrubber blanks bearer tokens, PEM private keys and URL passwords', () => {
  const scrub = secretScrubber([]);
  assert.equal(scrub('Authorization: Bearer tok.en-123'), `Authorization: Bearer ${REDACTED}`);
  const pem = '-----BEGIN PRIVATE KEY-----\\nMC4CAQAwBQYDK2VwBCIEI\\n-----END PRIVATE KEY-----';
  assert.equal(scrub(`{"k":"${pem}"}`), `{"k":"${REDACTED}"}`);
  assert.equal(scrub('postgres://crossgate:s3cret@127.0.0.1:5432/db'), `postgres://crossgate:${REDACTED}@127.0.0.1:5432/db`);
  assert.equal(scrub('nothing secret here'), 'nothing secret here');
});

test('short secrets are not scrubbed by value (they would blank ordinary words)', () => {
  assert.equal(secretScrubber(['abc'])('abc def'), 'abc def');
});
