/**
 * What ops needs from the Kafka consumer: per-partition lag for metrics and the dashboard, and broker
 * reachability for readiness. The consumer (src/ingest/kafka) implements it; ops depends only on this.
 */
import type { HealthStatus } from '../core/ports.js';

/** How far the consumer group is behind on one partition. */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** Messages between the group's committed offset and the high watermark (0 when caught up). */
  readonly lag: number;
}

export interface KafkaStatus {
  /** Lag of every assigned partition of the consumed topics. Rejects when the broker cannot be asked. */
  lag(): Promise<readonly PartitionLag[]>;
  /** Whether the broker is reachable (and the consumer running). */
  health(): Promise<HealthStatus>;
}
