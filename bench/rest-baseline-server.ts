/**
 * The REST bench's baseline: a bare Fastify server whose routes only JSON-parse the body (same body
 * limit) and answer a small JSON object. What HTTP + JSON parsing alone costs on this machine, measured
 * with the same autocannon settings in the same run. Prints its URL on stdout.
 */
import Fastify from 'fastify';

const app = Fastify({ bodyLimit: 16 * 1024 * 1024, logger: false });
app.post('/v1/records/batch', async (request) => ({ counts: { accepted: Array.isArray(request.body) ? request.body.length : 0 } }));
app.post('/v1/records', async (request) => ({ status: 'accepted', id: (request.body as { id?: unknown }).id }));
const url = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${url}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
