/**
 * Where a Kafka record that cannot be accepted goes (ARCHITECTURE.md invariant 4): first a copy to
 * `<topic>.dlq` with acks=all (the original bytes plus `__cg.errors.*` headers, adapters/kafka/dlq.ts),
 * then an entry in the store's dead-letter index (browse, replay and discard through the ops API).
 * Only when both are done is the record "durable" and its offset committable. A failure in between
 * makes the caller retry both: the DLQ topic may then hold a record twice, never zero times.
 * A copy the DLQ topic refuses as too large goes without its value (adapters/kafka/dlq.ts,
 * `__cg.errors.value.omitted`): the index keeps the exact bytes, so the partition can move on.
 */
import type { Producer } from 'kafkajs';
import { buildDlqMessage, headersAsText, isMessageTooLarge, withoutValue, type DlqMessage, type FailedRecord } from '../../../adapters/kafka/dlq.js';
import { dlqTopic } from '../../../adapters/kafka/topics.js';
import type { Rejection } from '../../core/errors.js';
import type { Store } from '../../core/ports.js';
import type { RecordId } from '../../core/types.js';

/** One rejected record with what is known about it. */
export interface DeadLetterEntry {
  readonly record: FailedRecord;
  readonly rejection: Rejection;
  readonly tenant: string | null;
  readonly recordId: RecordId | null;
  readonly type: string | null;
  readonly sector: string | null;
}

/**
 * The two steps, separately retryable so that a store failure after a successful publish does not
 * publish again, and an entry indexed before a failure is not indexed twice.
 */
export interface DeadLetterSink {
  /** Copies the records to their `<topic>.dlq` topics; resolves once the broker has them (acks=all). */
  publish(entries: readonly DeadLetterEntry[], rejectedAt: number): Promise<void>;
  /** Adds one entry to the store's dead-letter index. */
  index(entry: DeadLetterEntry, rejectedAt: number): Promise<void>;
}

export interface KafkaDeadLetterSinkDeps {
  /** Should be idempotent with acks=all, so a retried send does not append twice. */
  readonly producer: Pick<Producer, 'sendBatch'>;
  readonly store: Pick<Store, 'addDeadLetter'>;
  readonly gatewayVersion: string;
  /** Told when a copy went to its DLQ topic without its value (too large), for a warning in the logs. */
  readonly onValueOmitted?: (record: Pick<FailedRecord, 'topic' | 'partition' | 'offset'>, valueBytes: number, withOriginalHeaders: boolean) => void;
}

interface DlqCopy {
  readonly topic: string;
  readonly message: DlqMessage;
  /** The consumed record it copies (named in the too-large warning). */
  readonly record: FailedRecord;
}

async function send(producer: Pick<Producer, 'sendBatch'>, copies: readonly DlqCopy[]): Promise<void> {
  const byTopic = new Map<string, DlqMessage[]>();
  for (const { topic, message } of copies) {
    const messages = byTopic.get(topic) ?? [];
    messages.push(message);
    byTopic.set(topic, messages);
  }
  await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
}

/** Sends one copy; refused as too large, without its value, then without its original headers too. */
async function sendShrinkingIfTooLarge(deps: KafkaDeadLetterSinkDeps, copy: DlqCopy): Promise<void> {
  const smaller = [copy.message, withoutValue(copy.message, true), withoutValue(copy.message, false)];
  for (let i = 0; ; i++) {
    try {
      await send(deps.producer, [{ ...copy, message: smaller[i] as DlqMessage }]);
      if (i > 0) deps.onValueOmitted?.(copy.record, copy.message.value?.length ?? 0, i === 1);
      return;
    } catch (error) {
      if (i === smaller.length - 1 || !isMessageTooLarge(error)) throw error;
    }
  }
}

export function newKafkaDeadLetterSink(deps: KafkaDeadLetterSinkDeps): DeadLetterSink {
  return {
    async publish(entries, rejectedAt) {
      if (entries.length === 0) return;
      const copies: DlqCopy[] = entries.map((entry) => ({
        topic: dlqTopic(entry.record.topic),
        record: entry.record,
        message: buildDlqMessage(entry.record, entry.rejection, { gatewayVersion: deps.gatewayVersion, rejectedAt, recordId: entry.recordId }),
      }));
      try {
        await send(deps.producer, copies);
      } catch (error) {
        if (!isMessageTooLarge(error)) throw error;
        // A record near the topic's max message size is too large once the reason headers are added:
        // retried as it is it would be refused for ever and stall its partition. The copies go one by
        // one, and a refused one without its value (then without its original headers); its exact
        // bytes are in the dead-letter index, which the caller writes next.
        for (const copy of copies) await sendShrinkingIfTooLarge(deps, copy);
      }
    },
    async index(entry, rejectedAt) {
      await deps.store.addDeadLetter({
        origin: 'kafka',
        tenant: entry.tenant,
        recordId: entry.recordId,
        type: entry.type,
        sector: entry.sector,
        code: entry.rejection.code,
        message: entry.rejection.message,
        issues: entry.rejection.issues ?? [],
        payload: entry.record.value === null ? new Uint8Array(0) : new Uint8Array(entry.record.value),
        headers: headersAsText(entry.record.headers),
        kafka: {
          topic: entry.record.topic,
          partition: entry.record.partition,
          offset: entry.record.offset,
          key: entry.record.key === null ? null : entry.record.key.toString('utf8'),
          timestamp: entry.record.timestamp,
        },
        createdAt: rejectedAt,
      });
    },
  };
}
