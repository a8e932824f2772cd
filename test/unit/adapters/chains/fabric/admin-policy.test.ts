import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_ADMIN_MSPS, isAdmin, parseAdminMsps, subjectOrganizationalUnits } from '../../../../../adapters/chains/fabric/chaincode/admin-policy.js';

const admin = 'x509::/C=US/ST=California/L=San Francisco/OU=admin/CN=Admin@org1.example.com::/C=US/ST=California/L=San Francisco/O=org1.example.com/CN=ca.org1.example.com';
const client = 'x509::/C=US/ST=California/L=San Francisco/OU=client/CN=User1@org1.example.com::/C=US/ST=California/L=San Francisco/O=org1.example.com/CN=ca.org1.example.com';

describe('gateway-key admin policy', () => {
  it('reads subject OUs only, not the issuer', () => {
    assert.deepEqual(subjectOrganizationalUnits(admin), ['admin']);
    assert.deepEqual(subjectOrganizationalUnits('x509::/CN=a::/OU=admin/CN=ca'), []);
    assert.deepEqual(subjectOrganizationalUnits('not-x509'), []);
  });

  it('admits admin certificates and crossgate.admin=true of the listed MSPs only', () => {
    assert.equal(isAdmin({ mspId: 'Org1MSP', id: admin, adminAttribute: null }, ['Org1MSP']), true);
    assert.equal(isAdmin({ mspId: 'Org2MSP', id: admin, adminAttribute: null }, ['Org1MSP']), false);
    assert.equal(isAdmin({ mspId: 'Org1MSP', id: client, adminAttribute: null }, ['Org1MSP']), false);
    assert.equal(isAdmin({ mspId: 'Org1MSP', id: client, adminAttribute: 'true' }, ['Org1MSP']), true);
    assert.equal(isAdmin({ mspId: 'Org1MSP', id: client, adminAttribute: 'false' }, ['Org1MSP']), false);
  });

  it('parses the configured MSP list, falling back to the default', () => {
    assert.deepEqual(parseAdminMsps(' Org1MSP, Org2MSP ,'), ['Org1MSP', 'Org2MSP']);
    assert.deepEqual(parseAdminMsps(undefined), DEFAULT_ADMIN_MSPS);
    assert.deepEqual(parseAdminMsps(''), DEFAULT_ADMIN_MSPS);
  });
});
