import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import {PkiError} from './errors.js';
import {
  OID_COMMON_NAME,
  OID_COUNTRY_NAME,
  OID_EMAIL_ADDRESS,
  OID_GIVEN_NAME,
  OID_LOCALITY_NAME,
  OID_ORGANIZATION_IDENTIFIER,
  OID_ORGANIZATION_NAME,
  OID_ORGANIZATIONAL_UNIT_NAME,
  OID_SERIAL_NUMBER,
  OID_STATE_OR_PROVINCE_NAME,
  OID_SURNAME,
  OID_TITLE,
} from './object-identifiers.js';

/** The name attributes known by name. Others are written and read by their dotted object identifier. */
export type AttributeType =
  | 'countryName'
  | 'stateOrProvinceName'
  | 'localityName'
  | 'organizationName'
  | 'organizationalUnitName'
  | 'organizationIdentifier'
  | 'title'
  | 'commonName'
  | 'givenName'
  | 'surname'
  /** SITHS: the HSA-id or the personnummer. */
  | 'serialNumber'
  | 'emailAddress';

/** A dotted object identifier, such as '2.5.4.65'. */
export type DottedObjectIdentifier = `${number}.${number}${string}`;

export interface NameAttribute {
  readonly type: AttributeType | DottedObjectIdentifier;
  readonly value: string;
}

/**
 * A distinguished name as a list of attributes, most significant first (C, O, OU, CN, serialNumber), each written
 * as its own RDN in this order.
 */
export type DistinguishedName = readonly NameAttribute[];

/** A name read from a certificate, request or CRL: its attributes, its RFC 4514 text, and the usual fields. */
export interface NameView {
  readonly attributes: DistinguishedName;
  /** RFC 4514: least significant first, "CN=Anna Andersson,O=Region Test,C=SE". */
  readonly text: string;
  readonly commonName?: string;
  readonly givenName?: string;
  readonly surname?: string;
  readonly serialNumber?: string;
  readonly organizationName?: string;
  readonly countryName?: string;
}

type StringKind = 'printable' | 'utf8' | 'ia5';

interface AttributeSpec {
  readonly oid: string;
  readonly kind: StringKind;
  /** The RFC 4514 (section 3) short name, or the RFC 4519 descriptor. */
  readonly label: string;
}

/** X.520 says countryName and serialNumber are PrintableString; PKCS #9 says emailAddress is IA5String. */
const ATTRIBUTES: Readonly<Record<AttributeType, AttributeSpec>> = {
  countryName: {oid: OID_COUNTRY_NAME, kind: 'printable', label: 'C'},
  stateOrProvinceName: {oid: OID_STATE_OR_PROVINCE_NAME, kind: 'utf8', label: 'ST'},
  localityName: {oid: OID_LOCALITY_NAME, kind: 'utf8', label: 'L'},
  organizationName: {oid: OID_ORGANIZATION_NAME, kind: 'utf8', label: 'O'},
  organizationalUnitName: {oid: OID_ORGANIZATIONAL_UNIT_NAME, kind: 'utf8', label: 'OU'},
  organizationIdentifier: {oid: OID_ORGANIZATION_IDENTIFIER, kind: 'utf8', label: 'organizationIdentifier'},
  title: {oid: OID_TITLE, kind: 'utf8', label: 'title'},
  commonName: {oid: OID_COMMON_NAME, kind: 'utf8', label: 'CN'},
  givenName: {oid: OID_GIVEN_NAME, kind: 'utf8', label: 'givenName'},
  surname: {oid: OID_SURNAME, kind: 'utf8', label: 'SN'},
  serialNumber: {oid: OID_SERIAL_NUMBER, kind: 'printable', label: 'serialNumber'},
  emailAddress: {oid: OID_EMAIL_ADDRESS, kind: 'ia5', label: 'emailAddress'},
};

function specOf(type: string): AttributeSpec | undefined {
  return Object.hasOwn(ATTRIBUTES, type) ? ATTRIBUTES[type as AttributeType] : undefined;
}

const TYPE_BY_OID: ReadonlyMap<string, AttributeType> = new Map(
  Object.entries(ATTRIBUTES).map(([type, spec]) => [spec.oid, type as AttributeType]),
);

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]+$/;
const IA5 = /^\p{ASCII}+$/u;
const COUNTRY = /^[A-Z]{2}$/;
const DOTTED = /^[0-2](\.(0|[1-9][0-9]*))+$/;

/**
 * The PKI.js Name of a distinguished name. Throws PkiError 'name-invalid' for an empty value, a countryName that
 * is not two capital letters, a PrintableString attribute (countryName, serialNumber) with other characters, an
 * emailAddress that is not ASCII, or a type that is neither known nor a dotted object identifier.
 */
export function encodeName(name: DistinguishedName): pkijs.RelativeDistinguishedNames {
  // Each attribute its own RDN (a SET of one): PKI.js alone would put them all in one multi-valued RDN.
  const sequence = new asn1js.Sequence({
    value: name.map(
      ({type, value}) =>
        new asn1js.Set({
          value: [
            new pkijs.AttributeTypeAndValue({type: oidOf(type), value: encodeValue(type, value)}).toSchema(),
          ],
        }),
    ),
  });
  return new pkijs.RelativeDistinguishedNames({schema: asn1js.fromBER(sequence.toBER(false)).result});
}

function oidOf(type: AttributeType | DottedObjectIdentifier): string {
  const known = specOf(type);
  if (known) return known.oid;
  if (DOTTED.test(type)) return type;
  throw new PkiError('name-invalid', `unknown name attribute type ${JSON.stringify(type)}`);
}

function encodeValue(
  type: AttributeType | DottedObjectIdentifier,
  value: string,
): asn1js.Utf8String | asn1js.PrintableString | asn1js.IA5String {
  const kind = specOf(type)?.kind ?? 'utf8';
  if (value.length === 0) throw new PkiError('name-invalid', `empty ${type}`);
  if (type === 'countryName' && !COUNTRY.test(value)) {
    throw new PkiError('name-invalid', 'countryName must be two capital letters (ISO 3166)');
  }
  if (kind === 'printable') {
    if (!PRINTABLE.test(value))
      throw new PkiError('name-invalid', `${type} has characters PrintableString lacks`);
    return new asn1js.PrintableString({value});
  }
  if (kind === 'ia5') {
    if (!IA5.test(value)) throw new PkiError('name-invalid', `${type} is not ASCII`);
    return new asn1js.IA5String({value});
  }
  return new asn1js.Utf8String({value});
}

/** Reads a PKI.js Name. Values that are not strings are kept as RFC 4514 "#" hex of their BER. */
export function decodeName(name: pkijs.RelativeDistinguishedNames): NameView {
  const read = name.typesAndValues.map((attribute) => {
    const type = TYPE_BY_OID.get(attribute.type) ?? (attribute.type as DottedObjectIdentifier);
    const block = (attribute.value as {valueBlock?: {value?: unknown}}).valueBlock;
    return typeof block?.value === 'string'
      ? {type, value: block.value, text: escapeValue(block.value)}
      : {type, value: `#${Buffer.from(attribute.value.toBER(false)).toString('hex')}`, text: undefined};
  });
  const attributes: NameAttribute[] = read.map(({type, value}) => ({type, value}));
  const first = (type: AttributeType) => attributes.find((attribute) => attribute.type === type)?.value;
  return {
    attributes,
    text: joinRdns(read.map(({type, value, text}) => ({type, text: text ?? value}))),
    commonName: first('commonName'),
    givenName: first('givenName'),
    surname: first('surname'),
    serialNumber: first('serialNumber'),
    organizationName: first('organizationName'),
    countryName: first('countryName'),
  };
}

/** A distinguished name as RFC 4514 text: least significant attribute first, special characters escaped. */
export function formatName(name: DistinguishedName): string {
  return joinRdns(name.map(({type, value}) => ({type, text: escapeValue(value)})));
}

function joinRdns(parts: readonly {type: string; text: string}[]): string {
  return parts
    .toReversed()
    .map(({type, text}) => `${specOf(type)?.label ?? type}=${text}`)
    .join(',');
}

/** RFC 4514 2.4: escape , + " \ < > ; anywhere, # and space in front, space at the end. */
function escapeValue(value: string): string {
  return value
    .replace(/[,+"\\<>;]/g, (character) => `\\${character}`)
    .replace(/^[# ]/, (character) => `\\${character}`)
    .replace(/ $/, '\\ ');
}
