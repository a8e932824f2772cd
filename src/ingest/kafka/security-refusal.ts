/**
 * Whether a Kafka client error means the cluster refused who the gateway is (SASL credentials) or the
 * two sides do not trust each other's certificates. Such an error does not pass by retrying at once:
 * the gateway reports it once and waits for an operator (docs/kafka.md "Security").
 */

/** Node's TLS verification codes for a broker certificate the gateway does not trust. */
const UNTRUSTED_BROKER = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED', 'CERT_REJECTED', 'CERT_SIGNATURE_FAILURE', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** What the refusal was, for the one log line and the health detail; undefined when `error` is not one. */
export function securityRefusal(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  for (let e: unknown = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    const { name, message } = e;
    const code = (e as { code?: unknown }).code;
    if (name === 'KafkaJSSASLAuthenticationError') return message;
    if (typeof code === 'string' && UNTRUSTED_BROKER.has(code)) return `the broker's certificate is not trusted: ${code}`;
    // The broker's TLS alerts (OpenSSL: "ssl/tls alert certificate unknown", "... bad certificate"):
    // it did not accept the gateway's client certificate, or none was sent.
    const alert = /\balert ((?:bad certificate|certificate \w+|unknown ca|handshake failure|access denied))\b/i.exec(message)?.[1];
    if (alert !== undefined) return `the broker refused the TLS handshake: alert "${alert.toLowerCase()}"`;
  }
  return undefined;
}
