/**
 * How a record names its schema version: the CloudEvents `dataschema` attribute, as
 * `urn:crossgate:schema:<type>:v<N>` (e.g. `urn:crossgate:schema:cn.gov.transport.trip:v1`).
 * A record without `dataschema` is validated against the latest registered version of its type.
 * The same URN is the `$id` of the exported JSON Schema, so producers can use one as the other.
 */

const PREFIX = 'urn:crossgate:schema:';
const URN = /^urn:crossgate:schema:([a-z0-9][a-z0-9.-]{0,200}):v([1-9]\d{0,5})$/;

/** The `dataschema` URN of (type, version). */
export function schemaUrn(type: string, version: number): string {
  return `${PREFIX}${type}:v${version}`;
}

/** (type, version) named by a Crossgate schema URN, or null when `s` is not one. */
export function parseSchemaUrn(s: string): { type: string; version: number } | null {
  if (!s.startsWith(PREFIX)) return null;
  const m = URN.exec(s);
  if (m === null || m[1] === undefined || m[2] === undefined) return null;
  return { type: m[1], version: Number(m[2]) };
}
