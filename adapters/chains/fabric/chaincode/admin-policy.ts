/**
 * Who may register and revoke gateway keys. An admin is an identity of one of the configured MSPs
 * that either carries the `crossgate.admin=true` attribute (Fabric CA enrollments) or holds an
 * admin certificate (NodeOU role `admin`, e.g. cryptogen's Admin@org). Endorsement by both
 * organizations is still required on top of this, by the chaincode's endorsement policy.
 */

/** The MSPs whose admins may manage gateway keys when no list is configured. */
export const DEFAULT_ADMIN_MSPS: readonly string[] = ['Org1MSP'];

export interface CallerIdentity {
  readonly mspId: string;
  /** Fabric's `x509::<subject DN>::<issuer DN>` form. */
  readonly id: string;
  /** Value of the `crossgate.admin` attribute, when the certificate has one. */
  readonly adminAttribute: string | null;
}

/** Subject organizational units of a `x509::/OU=a/OU=b/CN=x::...` identity string. */
export function subjectOrganizationalUnits(id: string): string[] {
  const parts = id.split('::');
  const subject = parts[0] === 'x509' ? (parts[1] ?? '') : '';
  return subject
    .split('/')
    .filter((rdn) => rdn.startsWith('OU='))
    .map((rdn) => rdn.slice(3));
}

export function isAdmin(caller: CallerIdentity, adminMsps: readonly string[]): boolean {
  if (!adminMsps.includes(caller.mspId)) return false;
  if (caller.adminAttribute === 'true') return true;
  return subjectOrganizationalUnits(caller.id).includes('admin');
}

/** Parses the comma-separated admin MSP list the chaincode server is started with. */
export function parseAdminMsps(value: string | undefined): readonly string[] {
  const list = (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  return list.length > 0 ? list : DEFAULT_ADMIN_MSPS;
}
