/**
 * How the gateway's Kafka clients authenticate and encrypt (docs/kafka.md "Security"): the security
 * protocol of Kafka's own client settings (plaintext, ssl, sasl_plaintext, sasl_ssl), a SASL
 * mechanism and credentials, and PEM files for TLS. Secrets come from files (`..._FILE`, the
 * convention of container secrets) or, for the SASL password only, the variable itself; no problem
 * message ever repeats a secret.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { settingValue, type SettingProblem } from './settings.js';

export const KAFKA_SECURITY_PROTOCOLS = ['plaintext', 'ssl', 'sasl_plaintext', 'sasl_ssl'] as const;
export type KafkaSecurityProtocol = (typeof KAFKA_SECURITY_PROTOCOLS)[number];
export const KAFKA_SASL_MECHANISMS = ['scram-sha-512', 'scram-sha-256', 'plain'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

export interface KafkaTls {
  /** PEM CA certificates the broker's certificate must chain to; absent: the system's trust store. */
  readonly ca?: string;
  /** PEM client certificate and key (mTLS). */
  readonly cert?: string;
  readonly key?: string;
}

export interface KafkaSecurity {
  readonly protocol: KafkaSecurityProtocol;
  readonly tls?: KafkaTls;
  readonly sasl?: { readonly mechanism: KafkaSaslMechanism; readonly username: string; readonly password: string };
}

const P = 'CROSSGATE_KAFKA_';

/** The Kafka security settings of `env`, or the problems with them (each naming its variable). */
export function parseKafkaSecurity(env: Readonly<Record<string, string | undefined>>, cwd: string): KafkaSecurity | SettingProblem[] {
  const problems: SettingProblem[] = [];
  const value = (name: string): string | undefined => settingValue(env, P + name);
  const file = (name: string): string | undefined => {
    const path = value(name);
    if (path === undefined) return undefined;
    try {
      return readFileSync(resolve(cwd, path), 'utf8');
    } catch (error) {
      problems.push({ setting: P + name, message: `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}` });
      return undefined;
    }
  };

  const protocolText = (value('SECURITY_PROTOCOL') ?? 'plaintext').toLowerCase();
  if (!(KAFKA_SECURITY_PROTOCOLS as readonly string[]).includes(protocolText)) {
    return [{ setting: `${P}SECURITY_PROTOCOL`, message: `must be one of ${KAFKA_SECURITY_PROTOCOLS.join(', ')} (got ${JSON.stringify(protocolText)})` }];
  }
  const protocol = protocolText as KafkaSecurityProtocol;
  const usesTls = protocol === 'ssl' || protocol === 'sasl_ssl';
  const usesSasl = protocol === 'sasl_plaintext' || protocol === 'sasl_ssl';

  const tlsNames = ['TLS_CA_FILE', 'TLS_CERT_FILE', 'TLS_KEY_FILE'];
  const saslNames = ['SASL_MECHANISM', 'SASL_USERNAME', 'SASL_PASSWORD', 'SASL_PASSWORD_FILE'];
  for (const name of usesTls ? [] : tlsNames) {
    if (value(name) !== undefined) problems.push({ setting: P + name, message: `applies only with ${P}SECURITY_PROTOCOL ssl or sasl_ssl` });
  }
  for (const name of usesSasl ? [] : saslNames) {
    if (value(name) !== undefined) problems.push({ setting: P + name, message: `applies only with ${P}SECURITY_PROTOCOL sasl_plaintext or sasl_ssl` });
  }
  if (problems.length > 0) return problems;

  let tls: KafkaTls | undefined;
  if (usesTls) {
    const ca = file('TLS_CA_FILE');
    const cert = file('TLS_CERT_FILE');
    const key = file('TLS_KEY_FILE');
    if ((cert === undefined) !== (key === undefined) && problems.length === 0) {
      problems.push({ setting: `${P}${cert === undefined ? 'TLS_CERT_FILE' : 'TLS_KEY_FILE'}`, message: `a client certificate needs both ${P}TLS_CERT_FILE and ${P}TLS_KEY_FILE` });
    }
    if (ca !== undefined && !ca.includes('-----BEGIN CERTIFICATE-----')) problems.push({ setting: `${P}TLS_CA_FILE`, message: 'holds no PEM certificate' });
    if (cert !== undefined && !cert.includes('-----BEGIN CERTIFICATE-----')) problems.push({ setting: `${P}TLS_CERT_FILE`, message: 'holds no PEM certificate' });
    if (key !== undefined && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) problems.push({ setting: `${P}TLS_KEY_FILE`, message: 'holds no PEM private key' });
    tls = { ...(ca === undefined ? {} : { ca }), ...(cert === undefined ? {} : { cert }), ...(key === undefined ? {} : { key }) };
  }

  let sasl: KafkaSecurity['sasl'];
  if (usesSasl) {
    const mechanism = (value('SASL_MECHANISM') ?? 'scram-sha-512').toLowerCase();
    if (!(KAFKA_SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
      problems.push({ setting: `${P}SASL_MECHANISM`, message: `must be one of ${KAFKA_SASL_MECHANISMS.join(', ')} (got ${JSON.stringify(mechanism)})` });
    }
    const username = value('SASL_USERNAME');
    if (username === undefined) problems.push({ setting: `${P}SASL_USERNAME`, message: `is required with ${P}SECURITY_PROTOCOL ${protocol}` });
    // The inline password is taken as given (not trimmed): spaces may be part of it.
    const inline = env[`${P}SASL_PASSWORD`] || undefined;
    const passwordFile = value('SASL_PASSWORD_FILE');
    let password: string | undefined;
    if (inline !== undefined && passwordFile !== undefined) {
      problems.push({ setting: `${P}SASL_PASSWORD`, message: `set it or ${P}SASL_PASSWORD_FILE, not both` });
    } else if (inline !== undefined) {
      password = inline;
    } else {
      // A secret file's trailing newline is not part of the password.
      password = file('SASL_PASSWORD_FILE')?.replace(/\r?\n$/, '');
      if (passwordFile === undefined) {
        problems.push({ setting: `${P}SASL_PASSWORD_FILE`, message: `${P}SASL_PASSWORD_FILE or ${P}SASL_PASSWORD is required with ${P}SECURITY_PROTOCOL ${protocol}` });
      } else if (password === '') {
        problems.push({ setting: `${P}SASL_PASSWORD_FILE`, message: 'the file is empty' });
      }
    }
    if (problems.length === 0) sasl = { mechanism: mechanism as KafkaSaslMechanism, username: username as string, password: password as string };
  }
  if (problems.length > 0) return problems;
  return { protocol, ...(tls === undefined ? {} : { tls }), ...(sasl === undefined ? {} : { sasl }) };
}
