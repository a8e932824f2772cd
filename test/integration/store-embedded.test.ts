/** The Store contract on the embedded PGlite store, persisted to a temporary directory. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { openEmbeddedStore } from '../../adapters/store/embedded-store.js';
import { runStoreContract } from '../support/store-contract.js';

const dataDir = mkdtempSync(join(tmpdir(), 'cg-store-embedded-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

runStoreContract('embedded (PGlite)', () => openEmbeddedStore({ dataDir }));
