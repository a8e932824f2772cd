// Readiness probe for scripts/kafka.sh: exits 0 once the broker at argv[2] answers a metadata request
// with itself as an active broker and a controller elected. A listening port alone is not enough: the
// KRaft broker accepts connections before it has caught up with the metadata log.
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const broker = process.argv[2];
if (!broker) {
  console.error('usage: node probe.mjs HOST:PORT');
  process.exit(2);
}

const admin = new Kafka({
  clientId: 'crossgate-kafka-probe',
  brokers: [broker],
  logLevel: logLevel.NOTHING,
  connectionTimeout: 2000,
  requestTimeout: 3000,
  retry: { retries: 0 },
}).admin();

try {
  await admin.connect();
  const cluster = await admin.describeCluster();
  if (cluster.brokers.length === 0 || cluster.controller === null || cluster.controller < 0) {
    console.error(`not ready: brokers=${cluster.brokers.length} controller=${cluster.controller}`);
    process.exitCode = 1;
  } else {
    console.log(`cluster ${cluster.clusterId}: ${cluster.brokers.length} broker(s), controller ${cluster.controller}`);
  }
} catch (error) {
  console.error(`not ready: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await admin.disconnect().catch(() => {});
}
