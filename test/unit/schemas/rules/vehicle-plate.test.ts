import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isNewEnergyPlate, isVehiclePlate, vehiclePlate } from '../../../../schemas/rules/vehicle-plate.js';

test('accepts ordinary and new-energy plates', () => {
  for (const s of ['京A12345', '沪B8X9Y7', '粤BD12345', '粤B12345D', '川A1234挂', '浙AFA1234', '琼E1234学']) {
    assert.equal(isVehiclePlate(s), true, s);
    assert.equal(vehiclePlate.safeParse(s).success, true, s);
  }
  assert.equal(isNewEnergyPlate('粤BD12345'), true);
  assert.equal(isNewEnergyPlate('粤B12345F'), true);
  assert.equal(isNewEnergyPlate('京A12345'), false);
});

test('rejects unknown provinces, I/O letters, wrong lengths and malformed new-energy plates', () => {
  for (const s of ['港A12345', '京I12345', '京A1234O', '京A1234', '京A123456', '京 A12345', 'JA12345', '京a12345', '粤BX12345', '粤BD1234A', '粤B1234AD', '浙AF0A123', '京A12345挂', '']) {
    assert.equal(isVehiclePlate(s), false, s);
    assert.equal(vehiclePlate.safeParse(s).success, false, s);
  }
});
