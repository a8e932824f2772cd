/**
 * Slow and greedy REST clients (issue 15, item 5), against a real gateway process: 500 slowloris
 * connections trickling their headers byte by byte, and slow bodies, while normal clients submit
 * records. The normal requests all succeed, and the server closes every slow connection once its
 * timeout passes (CROSSGATE_REST_HEADERS_TIMEOUT_MS / _REQUEST_TIMEOUT_MS), so none holds a socket
 * for ever. How long normal requests take meanwhile is measured by a bench, not asserted here.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type GatewayProcess, http, startGatewayProcess, waitFor } from '../support/gateway.js';
import { makeValidRecord } from '../support/record-factory.js';

const API_KEY = 'slow-clients-dev-key-0123456789abcdef';
const SLOW_HEADERS = 500;
const SLOW_BODIES = 20;

interface SlowClient {
  readonly socket: Socket;
  closed: boolean;
  answer: string;
  timer?: NodeJS.Timeout;
}

/** A connection that sends `head` at once, then one byte of `trickle` every 200 ms, never finishing. */
function slowClient(port: number, head: string, trickle: string): SlowClient {
  const socket = connect(port, '127.0.0.1');
  const client: SlowClient = { socket, closed: false, answer: '' };
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => { client.answer += chunk; });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    client.closed = true;
    clearInterval(client.timer);
  });
  socket.on('connect', () => {
    socket.write(head);
    let i = 0;
    client.timer = setInterval(() => {
      if (!socket.destroyed) socket.write(trickle[i++ % trickle.length] as string);
    }, 200);
  });
  return client;
}

describe('slow and greedy REST clients', () => {
  let gateway: GatewayProcess;
  const clients: SlowClient[] = [];
  before(async () => {
    gateway = await startGatewayProcess({
      env: { CROSSGATE_DEV_API_KEY: API_KEY, CROSSGATE_REST_HEADERS_TIMEOUT_MS: '2000', CROSSGATE_REST_REQUEST_TIMEOUT_MS: '4000', CROSSGATE_LOG_LEVEL: 'warn' },
      readyTimeoutMs: 120_000,
    });
  });
  after(async () => {
    for (const c of clients) c.socket.destroy();
    await gateway?.cleanup();
  });

  it('serves normal clients beside 500 slowloris connections, and closes every slow one after its timeout', async () => {
    const port = Number(new URL(gateway.url).port);
    for (let i = 0; i < SLOW_HEADERS; i++) clients.push(slowClient(port, 'POST /v1/records HTTP/1.1\r\nHost: 127.0.0.1\r\n', `X-Slow-${i}: ${'a'.repeat(50)}\r\n`));
    const body = JSON.stringify(makeValidRecord('cn.gov.transport.trip', 1));
    for (let i = 0; i < SLOW_BODIES; i++) {
      clients.push(slowClient(port, `POST /v1/records HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${API_KEY}\r\nContent-Type: application/json\r\nContent-Length: ${body.length + 1000}\r\n\r\n`, body));
    }
    await waitFor('the slow connections to be open', async () => (clients.every((c) => c.socket.readyState === 'open' || c.closed) ? true : undefined), 30_000);

    // Normal clients, meanwhile: every record accepted.
    const statuses: number[] = [];
    for (let round = 0; round < 5; round++) {
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => http(gateway.url, 'POST', '/v1/records', {
        apiKey: API_KEY, body: makeValidRecord('cn.gov.transport.trip', 100 + round * 10 + i, { idPrefix: 'slow-test-' }),
      })));
      statuses.push(...answers.map((a) => a.status));
    }
    assert.deepEqual([...new Set(statuses)], [202], 'every normal request accepted');

    await waitFor('the server to close every slow connection', async () => (clients.every((c) => c.closed) ? true : undefined), 60_000, 250);
    const answered = clients.filter((c) => c.answer.startsWith('HTTP/1.1 '));
    assert.ok(answered.every((c) => c.answer.startsWith('HTTP/1.1 408')), `closed with 408 Request Timeout when answered at all: ${answered.map((c) => c.answer.slice(0, 20)).find((a) => !a.startsWith('HTTP/1.1 408')) ?? ''}`);
    assert.equal((await http(gateway.url, 'GET', '/health/ready')).status, 200, 'the gateway is still ready');
  });
});
