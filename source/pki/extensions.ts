import {createHash} from 'node:crypto';
import {isIPv4, isIPv6} from 'node:net';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import {decodeDer} from './der.js';
import {PkiError} from './errors.js';
import {
  OID_ACCESS_CA_ISSUERS,
  OID_ACCESS_OCSP,
  OID_AUTHORITY_INFO_ACCESS,
  OID_AUTHORITY_KEY_IDENTIFIER,
  OID_BASIC_CONSTRAINTS,
  OID_CERTIFICATE_POLICIES,
  OID_CRL_DISTRIBUTION_POINTS,
  OID_EXTENDED_KEY_USAGE,
  OID_HARDWARE_MODULE_NAME,
  OID_HARDWARE_TYPE_ISO_7816_CARD,
  OID_KEY_USAGE,
  OID_SUBJECT_ALT_NAME,
  OID_SUBJECT_KEY_IDENTIFIER,
  OID_USER_PRINCIPAL_NAME,
} from './object-identifiers.js';

/** KeyUsage bits (RFC 5280 4.2.1.3), by bit number. */
export enum KeyUsage {
  DigitalSignature = 0,
  /** Also called contentCommitment: the signature ("underskrift") key. */
  NonRepudiation = 1,
  KeyEncipherment = 2,
  DataEncipherment = 3,
  KeyAgreement = 4,
  KeyCertSign = 5,
  CrlSign = 6,
  EncipherOnly = 7,
  DecipherOnly = 8,
}

/** basicConstraints (RFC 5280 4.2.1.9). */
export interface BasicConstraints {
  readonly isCertificateAuthority: boolean;
  /** The most CA certificates that may follow this one in a path. */
  readonly pathLength?: number;
}

/**
 * subjectAltName entries (RFC 5280 4.2.1.6). The card number is written as an RFC 4108 hardwareModuleName
 * otherName: hwType {iso(1) standard(0) 7816}, hwSerialNum the number's ASCII characters. Readers take the
 * hwSerialNum of any hwType.
 */
export interface SubjectAltName {
  readonly dnsNames?: readonly string[];
  /** IPv4 dotted or IPv6 text. */
  readonly ipAddresses?: readonly string[];
  readonly emailAddresses?: readonly string[];
  readonly uris?: readonly string[];
  /** Microsoft UPN otherName, for Windows smart card logon. */
  readonly userPrincipalName?: string;
  /** The number printed on the card. */
  readonly cardNumber?: string;
}

/** authorityInfoAccess (RFC 5280 4.2.2.1). */
export interface AuthorityInfoAccess {
  readonly caIssuers?: URL;
  readonly ocsp?: URL;
}

/** The GeneralName context tags (RFC 5280 4.2.1.6). */
const GENERAL_NAME_OTHER = 0;
const GENERAL_NAME_RFC822 = 1;
const GENERAL_NAME_DNS = 2;
const GENERAL_NAME_URI = 6;
const GENERAL_NAME_IP = 7;
const CONTEXT_SPECIFIC = 3;

function extension(extnID: string, critical: boolean, value: {toBER(sizeOnly?: boolean): ArrayBuffer}) {
  return new pkijs.Extension({extnID, critical, extnValue: value.toBER(false)});
}

/** basicConstraints, critical (RFC 5280 4.2.1.9 requires it in CA certificates). */
export function basicConstraintsExtension(constraints: BasicConstraints): pkijs.Extension {
  const value = new pkijs.BasicConstraints({
    cA: constraints.isCertificateAuthority,
    ...(constraints.pathLength === undefined ? {} : {pathLenConstraint: constraints.pathLength}),
  });
  return extension(OID_BASIC_CONSTRAINTS, true, value.toSchema());
}

/** keyUsage, critical, as a DER named-bit BIT STRING (trailing zero bits removed). */
export function keyUsageExtension(usages: readonly KeyUsage[]): pkijs.Extension {
  const highest = Math.max(...usages);
  const bytes = new Uint8Array(Math.floor(highest / 8) + 1);
  for (const bit of usages) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  const unusedBits = bytes.length * 8 - (highest + 1);
  return extension(OID_KEY_USAGE, true, new asn1js.BitString({valueHex: bytes, unusedBits}));
}

/** extKeyUsage, not critical. */
export function extendedKeyUsageExtension(purposes: readonly string[]): pkijs.Extension {
  return extension(
    OID_EXTENDED_KEY_USAGE,
    false,
    new pkijs.ExtKeyUsage({keyPurposes: [...purposes]}).toSchema(),
  );
}

/** The key identifier of a SubjectPublicKeyInfo: SHA-1 of its subjectPublicKey bits (RFC 5280 4.2.1.2, method 1). */
export function keyIdentifier(spki: Uint8Array): Uint8Array {
  const info = pkijs.PublicKeyInfo.fromBER(spki);
  return new Uint8Array(createHash('sha1').update(info.subjectPublicKey.valueBlock.valueHexView).digest());
}

/** subjectKeyIdentifier, not critical (RFC 5280 4.2.1.2). */
export function subjectKeyIdentifierExtension(identifier: Uint8Array): pkijs.Extension {
  return extension(OID_SUBJECT_KEY_IDENTIFIER, false, new asn1js.OctetString({valueHex: identifier}));
}

/** authorityKeyIdentifier with the keyIdentifier only, not critical (RFC 5280 4.2.1.1). */
export function authorityKeyIdentifierExtension(identifier: Uint8Array): pkijs.Extension {
  const value = new pkijs.AuthorityKeyIdentifier({
    keyIdentifier: new asn1js.OctetString({valueHex: identifier}),
  });
  return extension(OID_AUTHORITY_KEY_IDENTIFIER, false, value.toSchema());
}

/** cRLDistributionPoints with one distribution point named by its URL. */
export function crlDistributionPointExtension(url: URL): pkijs.Extension {
  const point = new pkijs.DistributionPoint({
    distributionPoint: [new pkijs.GeneralName({type: GENERAL_NAME_URI, value: url.href})],
  });
  return extension(
    OID_CRL_DISTRIBUTION_POINTS,
    false,
    new pkijs.CRLDistributionPoints({distributionPoints: [point]}).toSchema(),
  );
}

/** authorityInfoAccess with the OCSP and caIssuers URLs given, not critical. */
export function authorityInfoAccessExtension(access: AuthorityInfoAccess): pkijs.Extension {
  const descriptions = [
    ...(access.ocsp ? [{method: OID_ACCESS_OCSP, url: access.ocsp}] : []),
    ...(access.caIssuers ? [{method: OID_ACCESS_CA_ISSUERS, url: access.caIssuers}] : []),
  ].map(
    ({method, url}) =>
      new pkijs.AccessDescription({
        accessMethod: method,
        accessLocation: new pkijs.GeneralName({type: GENERAL_NAME_URI, value: url.href}),
      }),
  );
  return extension(
    OID_AUTHORITY_INFO_ACCESS,
    false,
    new pkijs.InfoAccess({accessDescriptions: descriptions}).toSchema(),
  );
}

/** certificatePolicies with the policy OIDs, no qualifiers, not critical. */
export function certificatePoliciesExtension(policies: readonly string[]): pkijs.Extension {
  const value = new pkijs.CertificatePolicies({
    certificatePolicies: policies.map((policy) => new pkijs.PolicyInformation({policyIdentifier: policy})),
  });
  return extension(OID_CERTIFICATE_POLICIES, false, value.toSchema());
}

/**
 * subjectAltName; critical when the subject is empty (RFC 5280 4.2.1.6). Throws PkiError 'name-invalid' for an
 * IP address that is not IPv4 or IPv6 text, or a name that is not ASCII where IA5String is required.
 */
export function subjectAltNameExtension(names: SubjectAltName, isSubjectEmpty: boolean): pkijs.Extension {
  const ia5 = (tag: number, text: string) => {
    if (!/^\p{ASCII}+$/u.test(text))
      throw new PkiError('name-invalid', 'a subjectAltName entry is not ASCII');
    return contextPrimitive(tag, new TextEncoder().encode(text));
  };
  const entries: asn1js.BaseBlock[] = [
    ...(names.emailAddresses ?? []).map((email) => ia5(GENERAL_NAME_RFC822, email)),
    ...(names.dnsNames ?? []).map((dns) => ia5(GENERAL_NAME_DNS, dns)),
    ...(names.uris ?? []).map((uri) => ia5(GENERAL_NAME_URI, uri)),
    ...(names.ipAddresses ?? []).map((ip) => contextPrimitive(GENERAL_NAME_IP, ipOctets(ip))),
  ];
  if (names.userPrincipalName !== undefined) {
    entries.push(otherName(OID_USER_PRINCIPAL_NAME, new asn1js.Utf8String({value: names.userPrincipalName})));
  }
  if (names.cardNumber !== undefined) {
    const hardwareModuleName = new asn1js.Sequence({
      value: [
        new asn1js.ObjectIdentifier({value: OID_HARDWARE_TYPE_ISO_7816_CARD}),
        new asn1js.OctetString({valueHex: new TextEncoder().encode(names.cardNumber)}),
      ],
    });
    entries.push(otherName(OID_HARDWARE_MODULE_NAME, hardwareModuleName));
  }
  return extension(OID_SUBJECT_ALT_NAME, isSubjectEmpty, new asn1js.Sequence({value: entries}));
}

function contextPrimitive(tag: number, content: Uint8Array): asn1js.BaseBlock {
  return new asn1js.Primitive({idBlock: {tagClass: CONTEXT_SPECIFIC, tagNumber: tag}, valueHex: content});
}

/** OtherName ::= SEQUENCE { type-id OBJECT IDENTIFIER, value [0] EXPLICIT ANY }, as GeneralName [0] IMPLICIT. */
function otherName(typeId: string, value: asn1js.BaseBlock): asn1js.BaseBlock {
  return new asn1js.Constructed({
    idBlock: {tagClass: CONTEXT_SPECIFIC, tagNumber: GENERAL_NAME_OTHER},
    value: [
      new asn1js.ObjectIdentifier({value: typeId}),
      new asn1js.Constructed({idBlock: {tagClass: CONTEXT_SPECIFIC, tagNumber: 0}, value: [value]}),
    ],
  });
}

function ipOctets(text: string): Uint8Array {
  if (isIPv4(text)) return Uint8Array.from(text.split('.').map(Number));
  if (!isIPv6(text) || text.includes('.')) {
    throw new PkiError('name-invalid', `${JSON.stringify(text)} is not an IPv4 or IPv6 address`);
  }
  const [head = '', tail] = text.split('::');
  const groups = (part: string | undefined) =>
    part ? part.split(':').map((group) => parseInt(group, 16)) : [];
  const before = groups(head);
  const after = groups(tail);
  const all = [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after];
  return Uint8Array.from(all.flatMap((group) => [group >> 8, group & 0xff]));
}

function ipText(octets: Uint8Array): string {
  if (octets.length === 4) return [...octets].join('.');
  const groups: string[] = [];
  for (let index = 0; index + 1 < octets.length; index += 2) {
    groups.push(((octets[index]! << 8) | octets[index + 1]!).toString(16));
  }
  return groups.join(':');
}

function malformed(what: string): PkiError {
  return new PkiError('certificate-malformed', `the ${what} extension does not parse`);
}

/** Reads a keyUsage value. Throws PkiError 'certificate-malformed'. */
export function decodeKeyUsage(extnValue: Uint8Array): KeyUsage[] {
  const value = decodeDer(extnValue);
  if (!(value instanceof asn1js.BitString)) throw malformed('keyUsage');
  const bytes = value.valueBlock.valueHexView;
  const usages: KeyUsage[] = [];
  for (let bit = KeyUsage.DigitalSignature; bit <= KeyUsage.DecipherOnly; bit += 1) {
    if (((bytes[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0) usages.push(bit);
  }
  return usages;
}

/** Reads a basicConstraints value. Throws PkiError 'certificate-malformed'. */
export function decodeBasicConstraints(extnValue: Uint8Array): BasicConstraints {
  const value = decodeDer(extnValue);
  let parsed: pkijs.BasicConstraints;
  try {
    parsed = new pkijs.BasicConstraints({schema: value});
  } catch (error) {
    throw new PkiError('certificate-malformed', 'the basicConstraints extension does not parse', {
      cause: error,
    });
  }
  const pathLength = parsed.pathLenConstraint;
  if (pathLength !== undefined && (typeof pathLength !== 'number' || pathLength < 0))
    throw malformed('basicConstraints');
  return {isCertificateAuthority: parsed.cA, ...(pathLength === undefined ? {} : {pathLength})};
}

/** Reads an extKeyUsage value: the purpose OIDs. Throws PkiError 'certificate-malformed'. */
export function decodeExtendedKeyUsage(extnValue: Uint8Array): string[] {
  try {
    return [...new pkijs.ExtKeyUsage({schema: decodeDer(extnValue)}).keyPurposes];
  } catch (error) {
    throw new PkiError('certificate-malformed', 'the extKeyUsage extension does not parse', {cause: error});
  }
}

/** Reads a subjectKeyIdentifier value. Throws PkiError 'certificate-malformed'. */
export function decodeSubjectKeyIdentifier(extnValue: Uint8Array): Uint8Array {
  const value = decodeDer(extnValue);
  if (!(value instanceof asn1js.OctetString)) throw malformed('subjectKeyIdentifier');
  return new Uint8Array(value.valueBlock.valueHexView);
}

/** Reads the keyIdentifier of an authorityKeyIdentifier value, if it has one. Throws PkiError 'certificate-malformed'. */
export function decodeAuthorityKeyIdentifier(extnValue: Uint8Array): Uint8Array | undefined {
  let parsed: pkijs.AuthorityKeyIdentifier;
  try {
    parsed = new pkijs.AuthorityKeyIdentifier({schema: decodeDer(extnValue)});
  } catch (error) {
    throw new PkiError('certificate-malformed', 'the authorityKeyIdentifier extension does not parse', {
      cause: error,
    });
  }
  return parsed.keyIdentifier ? new Uint8Array(parsed.keyIdentifier.valueBlock.valueHexView) : undefined;
}

/** Reads a subjectAltName value. Entries of other kinds are skipped. Throws PkiError 'certificate-malformed'. */
export function decodeSubjectAltName(extnValue: Uint8Array): SubjectAltName {
  const value = decodeDer(extnValue);
  if (!(value instanceof asn1js.Sequence)) throw malformed('subjectAltName');
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  const emailAddresses: string[] = [];
  const uris: string[] = [];
  let userPrincipalName: string | undefined;
  let cardNumber: string | undefined;
  const ascii = (block: asn1js.BaseBlock) => new TextDecoder().decode(primitiveContent(block));
  for (const entry of value.valueBlock.value) {
    if (entry.idBlock.tagClass !== CONTEXT_SPECIFIC) throw malformed('subjectAltName');
    switch (entry.idBlock.tagNumber) {
      case GENERAL_NAME_RFC822:
        emailAddresses.push(ascii(entry));
        break;
      case GENERAL_NAME_DNS:
        dnsNames.push(ascii(entry));
        break;
      case GENERAL_NAME_URI:
        uris.push(ascii(entry));
        break;
      case GENERAL_NAME_IP:
        ipAddresses.push(ipText(primitiveContent(entry)));
        break;
      case GENERAL_NAME_OTHER: {
        const {typeId, inner} = readOtherName(entry);
        if (typeId === OID_USER_PRINCIPAL_NAME && inner instanceof asn1js.Utf8String) {
          userPrincipalName = inner.valueBlock.value;
        } else if (typeId === OID_HARDWARE_MODULE_NAME) {
          const serial = inner instanceof asn1js.Sequence ? inner.valueBlock.value[1] : undefined;
          if (!(serial instanceof asn1js.OctetString)) throw malformed('subjectAltName');
          cardNumber = new TextDecoder().decode(serial.valueBlock.valueHexView);
        }
        break;
      }
    }
  }
  return {dnsNames, ipAddresses, emailAddresses, uris, userPrincipalName, cardNumber};
}

function primitiveContent(block: asn1js.BaseBlock): Uint8Array {
  const content = (block.valueBlock as {valueHexView?: Uint8Array}).valueHexView;
  if (block.idBlock.isConstructed || content === undefined) throw malformed('subjectAltName');
  return new Uint8Array(content);
}

function readOtherName(entry: asn1js.BaseBlock): {typeId: string; inner: asn1js.BaseBlock | undefined} {
  const parts = entry instanceof asn1js.Constructed ? entry.valueBlock.value : [];
  const [typeId, wrapper] = parts;
  if (!(typeId instanceof asn1js.ObjectIdentifier) || !(wrapper instanceof asn1js.Constructed)) {
    throw malformed('subjectAltName');
  }
  return {typeId: typeId.valueBlock.toString(), inner: wrapper.valueBlock.value[0]};
}

/** The octets inside an extension's extnValue OCTET STRING: the DER of the extension's value. */
export function extensionOctets(extensionToRead: pkijs.Extension): Uint8Array {
  return new Uint8Array(extensionToRead.extnValue.valueBlock.valueHexView);
}
