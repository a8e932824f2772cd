/**
 * The REST API end to end against the embedded (PGlite) store, the `npm start` default.
 */
import { runRestSuite } from '../support/rest-suite.js';

runRestSuite('embedded', async () => ({ env: { CROSSGATE_STORE: 'embedded' }, cleanup: async () => undefined }));
