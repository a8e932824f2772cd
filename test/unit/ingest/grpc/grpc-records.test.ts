import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { envelopeOfCloudEvent, grpcReceipt, receiptOfGrpc, type GrpcCloudEvent, type GrpcReceipt } from '../../../../src/ingest/grpc/grpc-records.js';
import type { Receipt } from '../../../../src/core/types.js';

const base: GrpcCloudEvent = { specVersion: '1.0', id: 'e-1', source: '/beijing/transport/metro-3', type: 'cn.gov.transport.trip' };

describe('CloudEvents protobuf → envelope', () => {
  it('maps required fields, every attribute kind and JSON data (text or bytes) to the structured envelope', () => {
    const result = envelopeOfCloudEvent({
      ...base,
      attributes: {
        time: { attr: 'ceTimestamp', ceTimestamp: { seconds: '1748764200', nanos: 120_000_000 } },
        dataschema: { attr: 'ceUri', ceUri: 'urn:crossgate:schema:cn.gov.transport.trip:1' },
        flag: { attr: 'ceBoolean', ceBoolean: true },
        count: { attr: 'ceInteger', ceInteger: 7 },
        blob: { attr: 'ceBytes', ceBytes: Buffer.from([1, 2, 3]) },
        rel: { attr: 'ceUriRef', ceUriRef: '../x' },
        datacontenttype: { attr: 'ceString', ceString: 'application/json; charset=utf-8' },
      },
      data: 'binaryData', binaryData: Buffer.from('{"n":1}'),
    });
    assert.deepEqual(result, {
      ok: true,
      envelope: {
        specversion: '1.0', id: 'e-1', source: '/beijing/transport/metro-3', type: 'cn.gov.transport.trip',
        time: '2025-06-01T07:50:00.12Z', dataschema: 'urn:crossgate:schema:cn.gov.transport.trip:1', flag: true, count: 7, blob: 'AQID', rel: '../x',
        datacontenttype: 'application/json; charset=utf-8', data: { n: 1 },
      },
    });
    assert.deepEqual(envelopeOfCloudEvent({ ...base, data: 'textData', textData: '[1]' }), { ok: true, envelope: { specversion: '1.0', id: 'e-1', source: base.source, type: base.type, data: [1] } });
  });

  it('refuses what no door accepts: no event, reserved names in attributes, proto_data, non-JSON content, bad UTF-8, I-JSON violations', () => {
    const code = (event: GrpcCloudEvent | undefined) => {
      const result = envelopeOfCloudEvent(event);
      return result.ok ? 'ok' : result.rejection.code;
    };
    assert.equal(code(undefined), 'CG_DECODE_FAILED');
    assert.equal(code({ ...base, attributes: { id: { attr: 'ceString', ceString: 'x' } } }), 'CG_DECODE_FAILED');
    assert.equal(code({ ...base, attributes: { empty: {} } }), 'CG_DECODE_FAILED');
    assert.equal(code({ ...base, attributes: { time: { attr: 'ceTimestamp', ceTimestamp: { seconds: '1', nanos: 2_000_000_000 } } } }), 'CG_DECODE_FAILED');
    assert.equal(code({ ...base, data: 'protoData', protoData: {} }), 'CG_DECODE_FAILED');
    assert.equal(code({ ...base, attributes: { datacontenttype: { attr: 'ceString', ceString: 'text/csv' } }, data: 'textData', textData: 'a,b' }), 'CG_DECODE_FAILED');
    assert.equal(code({ ...base, data: 'binaryData', binaryData: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]) }), 'CG_NOT_I_JSON');
    assert.equal(code({ ...base, data: 'textData', textData: '{"a":1,"a":2}' }), 'CG_NOT_I_JSON');
    assert.equal(code({ ...base, data: 'textData', textData: '{"a":' }), 'CG_DECODE_FAILED');
  });
});

describe('Receipt message ⇄ JSON receipt', () => {
  it('is lossless both ways, prev null included, and survives proto-loader leaving zero values out', () => {
    const receipt: Receipt = {
      recordId: { source: '/s', id: 'i' }, digest: 'ab'.repeat(32), leafIndex: 0, proof: [],
      batch: { id: 'cd'.repeat(32), root: 'ef'.repeat(32), size: 1, sealedAt: '2026-12-07T00:00:00.000Z', prev: null, signer: { keyId: 'k', alg: 'Ed25519', publicKey: 'p' } },
      signature: 'sig', chain: { kind: 'embedded', network: 'local', txId: 'tx', blockNumber: 0 },
    };
    assert.deepEqual(receiptOfGrpc(grpcReceipt(receipt) as unknown as GrpcReceipt), receipt);
    const withPrev: Receipt = { ...receipt, leafIndex: 3, proof: ['01'.repeat(32)], batch: { ...receipt.batch, prev: '99'.repeat(32), size: 9 }, chain: { ...receipt.chain, blockNumber: 12 } };
    assert.deepEqual(receiptOfGrpc(grpcReceipt(withPrev) as unknown as GrpcReceipt), withPrev);
    const wire = { ...(grpcReceipt(receipt) as Record<string, unknown>) };
    delete wire['leafIndex'];
    delete wire['proof'];
    assert.deepEqual(receiptOfGrpc(wire as unknown as GrpcReceipt), receipt);
  });
});
