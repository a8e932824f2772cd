/**
 * Which topic carries which sector, and where its dead letters go. Topics are created explicitly (the
 * test broker runs with auto.create.topics.enable=false, and so should production), so names are
 * checked here against Kafka's own rules before anyone tries to create or subscribe to them.
 */
import { decode as decodeFinance } from './finance-decoder.js';
import type { Decoder } from './kafka-message.js';
import { decode as decodeTelecom } from './telecom-decoder.js';
import { decode as decodeTransport } from './transport-decoder.js';

export const sectors = ['transport', 'finance', 'telecom'] as const;
export type Sector = (typeof sectors)[number];

/** The topic each sector is consumed from. */
export type SectorTopics = Readonly<Record<Sector, string>>;

export const defaultSectorTopics: SectorTopics = {
  transport: 'transport.events',
  finance: 'finance.events',
  telecom: 'telecom.events',
};

export const decoders: Readonly<Record<Sector, Decoder>> = {
  transport: decodeTransport,
  finance: decodeFinance,
  telecom: decodeTelecom,
};

/** Suffix of a topic's dead-letter topic: `transport.events` → `transport.events.dlq`. */
export const dlqSuffix = '.dlq';

export function dlqTopic(topic: string): string {
  return topic + dlqSuffix;
}

/** Kafka's topic name rules (kafka.common.internals.Topic): 1-249 of [a-zA-Z0-9._-], not "." or "..". */
const legalTopic = /^[a-zA-Z0-9._-]{1,249}$/;

/** Why a topic name is illegal, or undefined when Kafka accepts it (also for its DLQ topic). */
export function topicNameProblem(topic: string): string | undefined {
  if (topic === '.' || topic === '..') return `topic name '${topic}' is reserved`;
  if (!legalTopic.test(topic)) return `topic name '${topic}' must be 1-249 characters of a-z A-Z 0-9 . _ -`;
  if (dlqTopic(topic).length > 249) return `topic name '${topic}' leaves no room for its '${dlqSuffix}' dead-letter topic`;
  return undefined;
}

/**
 * The sector topics, with defaults for the ones not given. Throws on an illegal name or when two
 * sectors share a topic (the decoder is chosen by topic): that is a configuration bug.
 */
export function sectorTopics(overrides: Partial<Record<Sector, string>> = {}): SectorTopics {
  const topics = { ...defaultSectorTopics, ...overrides };
  const seen = new Map<string, Sector>();
  for (const sector of sectors) {
    const topic = topics[sector];
    const problem = topicNameProblem(topic);
    if (problem) throw new Error(`${sector} topic: ${problem}`);
    const other = seen.get(topic);
    if (other) throw new Error(`sectors ${other} and ${sector} are both configured to read topic '${topic}'`);
    seen.set(topic, sector);
  }
  return topics;
}

/** Topics named `<prefix>-transport.events` etc., for tests and side-by-side deployments. */
export function prefixedSectorTopics(prefix: string): SectorTopics {
  return sectorTopics({
    transport: `${prefix}-${defaultSectorTopics.transport}`,
    finance: `${prefix}-${defaultSectorTopics.finance}`,
    telecom: `${prefix}-${defaultSectorTopics.telecom}`,
  });
}

/** The sector a topic belongs to, or undefined for a topic that is not a sector topic. */
export function sectorOfTopic(topics: SectorTopics, topic: string): Sector | undefined {
  return sectors.find((sector) => topics[sector] === topic);
}
