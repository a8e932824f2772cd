/**
 * The REST API end to end against PostgreSQL: the test setup starts the server and sets
 * CROSSGATE_TEST_PG_URL (admin URL); every gateway here gets a fresh database of its own.
 */
import { createTestDatabase } from '../support/gateway.js';
import { runRestSuite } from '../support/rest-suite.js';

runRestSuite('postgres', async () => {
  const db = await createTestDatabase();
  return { env: { CROSSGATE_STORE: 'postgres', CROSSGATE_PG_URL: db.url }, cleanup: () => db.drop() };
});
