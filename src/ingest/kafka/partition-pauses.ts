/**
 * The consumer's pauses, in one place: the admission gate pauses every consumed topic (the pipeline is
 * full), and a partition with two batches in hand is paused on its own until the older one is done.
 *
 * Why a partition is paused instead of awaited inside eachBatch: kafkajs 2.x fetches from a broker
 * again only once every batch of its last fetch has been processed (consumer/fetcher.js), so an
 * eachBatch that waits (a tenant held to its quota, a slow batch) would hold up every partition that
 * broker leads. Why one owner: kafkajs keeps one pause state per topic, and a partition pause or
 * resume clears a topic-wide pause (subscriptionState.js), so the two kinds must not be issued apart.
 */
export interface PausableConsumer {
  pause(topics: { topic: string; partitions?: number[] }[]): void;
  resume(topics: { topic: string; partitions?: number[] }[]): void;
}

export class PartitionPauses {
  readonly #consumer: PausableConsumer;
  readonly #topics: readonly string[];
  /** Partitions paused on their own, by "topic|partition". */
  readonly #held = new Map<string, { topic: string; partition: number }>();
  #all = false;

  constructor(consumer: PausableConsumer, topics: readonly string[]) {
    this.#consumer = consumer;
    this.#topics = topics;
  }

  get allPaused(): boolean {
    return this.#all;
  }

  /** Pauses every consumed topic (the partitions paused on their own stay paused after resumeAll). */
  pauseAll(): void {
    this.#all = true;
    this.#consumer.pause(this.#topics.map((topic) => ({ topic })));
  }

  resumeAll(): void {
    this.#all = false;
    this.#consumer.resume(this.#topics.map((topic) => ({ topic })));
    for (const { topic, partition } of this.#held.values()) this.#consumer.pause([{ topic, partitions: [partition] }]);
  }

  pausePartition(topic: string, partition: number): void {
    this.#held.set(`${topic}|${partition}`, { topic, partition });
    if (!this.#all) this.#consumer.pause([{ topic, partitions: [partition] }]);
  }

  resumePartition(topic: string, partition: number): void {
    if (!this.#held.delete(`${topic}|${partition}`)) return;
    if (!this.#all) this.#consumer.resume([{ topic, partitions: [partition] }]);
  }
}
