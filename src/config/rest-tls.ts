/**
 * HTTPS on the REST door (docs/operating.md "Security"): a certificate and key file, optionally a CA
 * whose client certificates the server asks for (mTLS). The files are read at start and again on
 * SIGHUP, so a renewed certificate takes over without a restart.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { settingValue, type SettingProblem } from './settings.js';

export interface RestTlsConfig {
  readonly certFile: string;
  readonly keyFile: string;
  /** CA of the client certificates the server asks for; absent: no client certificates. */
  readonly clientCaFile?: string;
  /** `optional`: a client may authenticate with an API key instead; `required`: no certificate, no handshake. */
  readonly clientAuth: 'optional' | 'required';
}

/** What a TLS server context is built from (PEM text). */
export interface RestTlsMaterial {
  readonly cert: string;
  readonly key: string;
  readonly ca?: string;
  /** For the log line: whom the certificate names and until when. */
  readonly subject: string;
  readonly validTo: string;
}

const P = 'CROSSGATE_REST_TLS_';

/** The REST TLS settings of `env`: undefined for plain HTTP, or the problems (each naming its variable). */
export function parseRestTls(env: Readonly<Record<string, string | undefined>>, cwd: string): RestTlsConfig | undefined | SettingProblem[] {
  const value = (name: string): string | undefined => settingValue(env, P + name);
  const certFile = value('CERT_FILE');
  const keyFile = value('KEY_FILE');
  const clientCaFile = value('CLIENT_CA_FILE');
  const clientAuth = (value('CLIENT_AUTH') ?? 'optional').toLowerCase();
  const problems: SettingProblem[] = [];
  if ((certFile === undefined) !== (keyFile === undefined)) {
    problems.push({ setting: P + (certFile === undefined ? 'CERT_FILE' : 'KEY_FILE'), message: `HTTPS needs both ${P}CERT_FILE and ${P}KEY_FILE` });
  }
  if (certFile === undefined && keyFile === undefined) {
    for (const name of ['CLIENT_CA_FILE', 'CLIENT_AUTH']) {
      if (value(name) !== undefined) problems.push({ setting: P + name, message: `applies only with ${P}CERT_FILE and ${P}KEY_FILE (HTTPS)` });
    }
  }
  if (clientAuth !== 'optional' && clientAuth !== 'required') problems.push({ setting: `${P}CLIENT_AUTH`, message: `must be optional or required (got ${JSON.stringify(clientAuth)})` });
  if (clientAuth === 'required' && clientCaFile === undefined && value('CLIENT_AUTH') !== undefined) {
    problems.push({ setting: `${P}CLIENT_AUTH`, message: `required needs ${P}CLIENT_CA_FILE` });
  }
  if (problems.length > 0) return problems;
  if (certFile === undefined || keyFile === undefined) return undefined;
  const config: RestTlsConfig = {
    certFile: resolve(cwd, certFile),
    keyFile: resolve(cwd, keyFile),
    ...(clientCaFile === undefined ? {} : { clientCaFile: resolve(cwd, clientCaFile) }),
    clientAuth: clientAuth as RestTlsConfig['clientAuth'],
  };
  try {
    readRestTls(config);
  } catch (error) {
    const { setting, message } = error as TlsFileError;
    return [{ setting, message }];
  }
  return config;
}

class TlsFileError extends Error {
  constructor(readonly setting: string, message: string) {
    super(message);
  }
}

/**
 * Reads and checks the files: each holds what it should, and the key belongs to the certificate.
 * @throws Error naming the setting whose file is wrong (never the key's content).
 */
export function readRestTls(config: RestTlsConfig): RestTlsMaterial {
  const read = (setting: string, file: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new TlsFileError(setting, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  };
  const cert = read(`${P}CERT_FILE`, config.certFile);
  const key = read(`${P}KEY_FILE`, config.keyFile);
  const ca = config.clientCaFile === undefined ? undefined : read(`${P}CLIENT_CA_FILE`, config.clientCaFile);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new TlsFileError(`${P}CERT_FILE`, `${config.certFile} holds no PEM certificate`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new TlsFileError(`${P}KEY_FILE`, `${config.keyFile} holds no unencrypted PEM private key`);
  }
  if (!x509.checkPrivateKey(privateKey)) throw new TlsFileError(`${P}KEY_FILE`, `${config.keyFile} is not the key of the certificate in ${config.certFile}`);
  if (ca !== undefined) {
    try {
      new X509Certificate(ca);
    } catch {
      throw new TlsFileError(`${P}CLIENT_CA_FILE`, `${config.clientCaFile} holds no PEM certificate`);
    }
  }
  return { cert, key, ...(ca === undefined ? {} : { ca }), subject: rfc2253Subject(x509), validTo: x509.validTo };
}

/** A certificate's subject in RFC 2253 form (most specific first): Node lists it the other way round, one per line, escaped alike. */
export function rfc2253Subject(cert: X509Certificate): string {
  return cert.subject.split('\n').reverse().join(',');
}
