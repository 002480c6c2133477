/**
 * The object identifiers source/pki reads and writes, named once. Each cites the document that assigns it.
 */

// Name attribute types (ITU-T X.520; RFC 4519; PKCS #9 for emailAddress).
export const OID_COMMON_NAME = '2.5.4.3';
export const OID_SURNAME = '2.5.4.4';
/** X.520 serialNumber: SITHS puts the HSA-id or the personnummer here. */
export const OID_SERIAL_NUMBER = '2.5.4.5';
export const OID_COUNTRY_NAME = '2.5.4.6';
export const OID_LOCALITY_NAME = '2.5.4.7';
export const OID_STATE_OR_PROVINCE_NAME = '2.5.4.8';
export const OID_ORGANIZATION_NAME = '2.5.4.10';
export const OID_ORGANIZATIONAL_UNIT_NAME = '2.5.4.11';
export const OID_TITLE = '2.5.4.12';
export const OID_GIVEN_NAME = '2.5.4.42';
/** X.520 organizationIdentifier (2.5.4.97), e.g. a Swedish organisationsnummer. */
export const OID_ORGANIZATION_IDENTIFIER = '2.5.4.97';
/** PKCS #9 emailAddress (RFC 2985 5.2.1). */
export const OID_EMAIL_ADDRESS = '1.2.840.113549.1.9.1';

// Certificate and CRL extensions (RFC 5280 4.2.1, 4.2.2, 5.2, 5.3).
export const OID_SUBJECT_KEY_IDENTIFIER = '2.5.29.14';
export const OID_KEY_USAGE = '2.5.29.15';
export const OID_SUBJECT_ALT_NAME = '2.5.29.17';
export const OID_BASIC_CONSTRAINTS = '2.5.29.19';
export const OID_CRL_NUMBER = '2.5.29.20';
export const OID_CRL_REASON = '2.5.29.21';
export const OID_CRL_DISTRIBUTION_POINTS = '2.5.29.31';
export const OID_CERTIFICATE_POLICIES = '2.5.29.32';
export const OID_AUTHORITY_KEY_IDENTIFIER = '2.5.29.35';
export const OID_EXTENDED_KEY_USAGE = '2.5.29.37';
export const OID_AUTHORITY_INFO_ACCESS = '1.3.6.1.5.5.7.1.1';
/** id-ad-ocsp (RFC 5280 4.2.2.1). */
export const OID_ACCESS_OCSP = '1.3.6.1.5.5.7.48.1';
/** id-ad-caIssuers (RFC 5280 4.2.2.1). */
export const OID_ACCESS_CA_ISSUERS = '1.3.6.1.5.5.7.48.2';

// Extended key usages (RFC 5280 4.2.1.12; Microsoft for smartcardLogon).
export const EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
export const EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
export const EKU_EMAIL_PROTECTION = '1.3.6.1.5.5.7.3.4';
export const EKU_OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';
/** Microsoft smart card logon (Windows logon with the authentication certificate). */
export const EKU_SMARTCARD_LOGON = '1.3.6.1.4.1.311.20.2.2';

// subjectAltName otherName types.
/** Microsoft User Principal Name (UTF8String), used for Windows smart card logon. */
export const OID_USER_PRINCIPAL_NAME = '1.3.6.1.4.1.311.20.2.3';
/** id-on-hardwareModuleName (RFC 4108 5): SEQUENCE {hwType OID, hwSerialNum OCTET STRING}; holds the card number. */
export const OID_HARDWARE_MODULE_NAME = '1.3.6.1.5.5.7.8.4';
/** The ISO/IEC 7816 arc {iso(1) standard(0) 7816}: hwType of a hardwareModuleName naming an IC card. */
export const OID_HARDWARE_TYPE_ISO_7816_CARD = '1.0.7816';

// Public keys (RFC 3279 2.3, RFC 5480 2.1.1).
export const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
export const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';

// Signature algorithms (RFC 4055 5, RFC 5758 3.2).
export const OID_SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
export const OID_SHA384_WITH_RSA = '1.2.840.113549.1.1.12';
export const OID_SHA512_WITH_RSA = '1.2.840.113549.1.1.13';
export const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
export const OID_ECDSA_WITH_SHA384 = '1.2.840.10045.4.3.3';
export const OID_ECDSA_WITH_SHA512 = '1.2.840.10045.4.3.4';
