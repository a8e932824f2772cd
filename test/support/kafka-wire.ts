/**
 * The producer side of the sector wire formats, for tests and benchmarks: a CloudEvents record as a
 * Kafka message in the form each sector topic expects (see adapters/kafka/*-decoder.ts):
 * transport structured JSON, finance binary mode (`ce_*` headers), telecom one CDR as a CSV line.
 */
import type { Message } from 'kafkajs';
import { cdrColumns } from '../../adapters/kafka/telecom-decoder.js';
import type { Sector } from '../../adapters/kafka/topics.js';

type Envelope = Record<string, unknown> & { id: string; source: string; type: string };

/** Structured mode: the whole envelope as JSON in the value. */
export function structuredMessage(record: Envelope): Message {
  return {
    key: record.source,
    value: JSON.stringify(record),
    headers: { 'content-type': 'application/cloudevents+json; charset=UTF-8' },
  };
}

/** Binary mode: attributes as `ce_*` headers, datacontenttype as content-type, data as the value. */
export function binaryMessage(record: Envelope): Message {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(record)) {
    if (name === 'data' || name === 'datacontenttype') continue;
    headers[`ce_${name}`] = String(value);
  }
  headers['content-type'] = typeof record['datacontenttype'] === 'string' ? record['datacontenttype'] : 'application/json';
  return { key: record.source, value: JSON.stringify(record['data']), headers };
}

/** RFC 4180 quoting where needed. */
function csvField(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A `cn.gov.telecom.cdr` record as the telecom CSV line (docs/kafka-telecom-csv.md). */
export function cdrCsvMessage(record: Envelope): Message {
  const data = (record['data'] ?? {}) as Record<string, unknown>;
  const line = cdrColumns.map((column) => csvField(column === 'id' || column === 'source' || column === 'time' ? record[column] : data[column])).join(',');
  return { key: record.source, value: `${line}\r\n`, headers: { 'content-type': 'text/csv; charset=utf-8' } };
}

/** The message for a record on its sector's topic (telecom: CDRs only). */
export function sectorMessage(sector: Sector, record: Envelope): Message {
  switch (sector) {
    case 'transport': return structuredMessage(record);
    case 'finance': return binaryMessage(record);
    case 'telecom': return cdrCsvMessage(record);
  }
}
