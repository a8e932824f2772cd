/**
 * `npm run bench -- <scenario> [...]`: runs benchmark scenarios and writes bench/results/<scenario>.json.
 * Speed goals live here, never in timed tests.
 */
import { printResult, writeResult, type BenchResult } from './result.js';

type Scenario = () => Promise<BenchResult>;

const scenarios: Record<string, () => Promise<Scenario>> = {
  core: async () => (await import('./core.js')).runCoreBench,
  rest: async () => (await import('./rest.js')).runRestBench,
  kafka: async () => (await import('./kafka.js')).runKafkaBench,
  'kafka-group': async () => (await import('./kafka-group.js')).runKafkaGroupBench,
  fabric: async () => (await import('./fabric.js')).runFabricBench,
  cometbft: async () => (await import('./cometbft.js')).runCometbftBench,
  store: async () => (await import('./store.js')).runStoreBench,
  soak: async () => (await import('./soak.js')).runSoakBench,
  chaos: async () => (await import('./chaos.js')).runChaosBench,
  overload: async () => (await import('./overload.js')).runOverloadBench,
  fairness: async () => (await import('./fairness.js')).runFairnessBench,
  hsm: async () => (await import('./hsm.js')).runHsmBench,
  'fairness-kafka': async () => (await import('./fairness-kafka.js')).runFairnessKafkaBench,
  grpc: async () => (await import('./grpc.js')).runGrpcBench,
};

const requested = process.argv.slice(2);
if (requested.length === 0 || requested.some((name) => !(name in scenarios))) {
  console.error(`usage: npm run bench -- <${Object.keys(scenarios).join('|')}> [...]`);
  process.exit(2);
}
for (const name of requested) {
  const run = await (scenarios[name] as () => Promise<Scenario>)();
  const result = await run();
  printResult(result);
  console.log(`  written to ${writeResult(result)}`);
}
