import type {KeyObject} from 'node:crypto';
import type {CertificateAuthorityCredential} from '../../../pki/issue.js';
import {issueOldCredential, type OldCredentialOptions, PIN_FORM, requireProfile} from '../old-credential.js';
import {
  DEFAULT_EID_PINS,
  type EidCardPins,
  PIN_REFERENCE_AUTHENTICATION,
  PIN_REFERENCE_PUK,
  PIN_REFERENCE_SIGNATURE,
  PKCS15_AID,
  REFERENCE_DATA_LENGTH,
  REFERENCE_DATA_PADDING,
} from './constants.js';
export {DEFAULT_EID_PINS, type EidCardPins} from './constants.js';
import {FID_MASTER_FILE} from './file-system.js';
import {
  encodeAodf,
  encodeCdf,
  encodeDir,
  encodeOdf,
  encodePrkdf,
  encodeTokenInfo,
  type CertificateObject,
  type PrivateKeyObject,
} from './pkcs15-fixture.js';
import {type AccessRules, encodeSecurityAttributes, type FileKind} from './security-attributes.js';
import {
  type CardFile,
  type DedicatedFile,
  type EidCardState,
  LIFE_CYCLE_ACTIVATED,
  padPin,
  type PinRecord,
  storageBytes,
} from './state.js';

/**
 * Ready-made virtual EID cards, laid out by this fixture builder (OpenSC's pkcs15-init cannot write this card
 * type) and judged by OpenSC: `blank` (the PKCS#15 structure, both PINs and the PUK, no keys or certificates) and
 * `old-siths` (the old SITHS credential: the Legitimering and Underskrift pairs with certificates from the old CA,
 * and the CA's certificate). The file identifiers and access conditions are our design (docs/siths-eid-card.md);
 * the tool must find every file through the ODF, never by these numbers.
 */

export interface BlankEidCardOptions {
  /** The card number printed on the card, 14 digits: TokenInfo's serial number (packed BCD). */
  readonly cardNumber: string;
  /** TokenInfo's label, which OpenSC shows as the token label; default "SITHS". */
  readonly label?: string;
  /** Default {@link DEFAULT_EID_PINS}. */
  readonly pins?: EidCardPins;
  /** Tries left on the card, for test variants (a blocked PIN, the last PUK try); default all. */
  readonly triesLeft?: {readonly authentication?: number; readonly signature?: number; readonly puk?: number};
  /** EEPROM left free for new files after the profile's; default {@link DEFAULT_FREE_BYTES}. 0: a full card. */
  readonly freeBytes?: number;
}

export interface OldSithsEidCardOptions
  extends Omit<BlankEidCardOptions, 'cardNumber' | 'label'>, OldCredentialOptions {}

/** Room for what an upgrade writes beside the old credential: four key files and four certificates, with margin. */
export const DEFAULT_FREE_BYTES = 24 * 1024;
/** Retry counters of SITHS cards (Region Halland, Region Jönköping): 3 for each PIN, 10 for the PUK. */
const PIN_RETRIES = 3;
const PUK_RETRIES = 10;
const PIN_MIN_LENGTH = 6;
const PUK_LENGTH = 8;
const PUK_FORM = /^\d{8}$/;
/** Sizes of the directory files that the upgrade rewrites: room for many more objects than the card starts with. */
const DIRECTORY_FILE_SIZE = 1024;

/** Where the fixture puts things, below 3F00/5015. */
const FID = {
  dir: 0x2f00,
  application: 0x5015,
  odf: 0x5031,
  tokenInfo: 0x5032,
  aodf: 0x4401,
  prkdf: 0x4402,
  cdf: 0x4404,
  trustedCdf: 0x4405,
  authenticationKey: 0x4b01,
  signatureKey: 0x4b02,
  authenticationCertificate: 0x4331,
  signatureCertificate: 0x4332,
  caCertificate: 0x4341,
} as const;

const ALWAYS = {type: 'always'} as const;
const AUTHENTICATION_PIN = {type: 'pin', reference: PIN_REFERENCE_AUTHENTICATION} as const;
/** Directory files the upgrade rewrites: read by anyone, written after the Legitimering PIN. */
const DIRECTORY_RULES: AccessRules = {read: ALWAYS, update: AUTHENTICATION_PIN};
const CERTIFICATE_RULES: AccessRules = {read: ALWAYS, update: AUTHENTICATION_PIN, delete: AUTHENTICATION_PIN};

/**
 * The `blank` profile: MF with EF.DIR, and the PKCS#15 application DF 5015 (named by the PKCS#15 AID) with ODF,
 * TokenInfo, AODF (Legitimering 81, Underskrift 82, PUK 83), and empty PrKDF, CDF and trusted CDF. Throws
 * VirtualCardError 'profile-invalid' for a malformed card number, PIN or PUK.
 */
export function blankEidCard(options: BlankEidCardOptions): EidCardState {
  return eidCard(options, {keys: [], certificates: [], caCertificates: []});
}

/**
 * The `old-siths` profile: a blank card holding the old credential. The Legitimering key (4B01, key reference 01,
 * usage sign, signing after PIN 81) and the Underskrift key (4B02, reference 02, usage nonRepudiation, userConsent,
 * every signature after its own VERIFY of PIN 82), their certificates (4331, 4332; IDs 01 and 02) and the issuer's
 * certificate in the trusted CDF (4341, ID 10). Throws VirtualCardError 'profile-invalid' and what
 * issueOldCredential throws.
 */
export async function oldSithsEidCard(options: OldSithsEidCardOptions): Promise<EidCardState> {
  const {holder, issuer} = options;
  const credential = await issueOldCredential(options);
  return eidCard(
    {...options, cardNumber: holder.cardNumber, label: `${holder.givenName} ${holder.surname}`},
    {
      keys: [
        {fid: FID.authenticationKey, privateKey: credential.authenticationKey, role: 'authentication'},
        {fid: FID.signatureKey, privateKey: credential.signatureKey, role: 'signature'},
      ],
      certificates: [
        {
          fid: FID.authenticationCertificate,
          der: credential.authenticationCertificate,
          role: 'authentication',
        },
        {fid: FID.signatureCertificate, der: credential.signatureCertificate, role: 'signature'},
      ],
      caCertificates: [caCertificate(issuer)],
    },
  );
}

interface Content {
  readonly keys: readonly {readonly fid: number; readonly privateKey: KeyObject; readonly role: Role}[];
  readonly certificates: readonly {readonly fid: number; readonly der: Uint8Array; readonly role: Role}[];
  readonly caCertificates: readonly Uint8Array[];
}

type Role = 'authentication' | 'signature';

/** The PKCS#15 ID of the objects of each role, and their labels. */
const ROLE: Readonly<Record<Role, {readonly id: number; readonly label: string; readonly pin: number}>> = {
  authentication: {id: 0x01, label: 'Legitimering', pin: PIN_REFERENCE_AUTHENTICATION},
  signature: {id: 0x02, label: 'Underskrift', pin: PIN_REFERENCE_SIGNATURE},
};
const CA_CERTIFICATE_ID = 0x10;
const AUTH_ID = {authentication: 0x01, signature: 0x02, puk: 0x03} as const;

/** The card state of a profile: the MF with EF.DIR and the PKCS#15 application holding `content`, the PINs and PUK. */
function eidCard(options: BlankEidCardOptions, content: Content): EidCardState {
  const pins = options.pins ?? DEFAULT_EID_PINS;
  requireProfile(/^\d{14}$/.test(options.cardNumber), 'the card number must be 14 digits');
  requireProfile(
    PIN_FORM.test(pins.authentication) && PIN_FORM.test(pins.signature),
    'a PIN must be 6 to 8 digits',
  );
  requireProfile(PUK_FORM.test(pins.puk), 'the PUK must be 8 digits');
  const application = directory(
    FID.application,
    {create: AUTHENTICATION_PIN},
    [...directoryFiles(options, content), ...contentFiles(content)],
    PKCS15_AID,
  );
  const root = directory(FID_MASTER_FILE, {}, [
    file(
      'ef',
      FID.dir,
      {read: ALWAYS},
      encodeDir(PKCS15_AID, 'SITHS', path(FID_MASTER_FILE, FID.application)),
    ),
    application,
  ]);
  return {
    pins: pinRecords(pins, options.triesLeft ?? {}),
    root,
    capacity: storageBytes(root) + (options.freeBytes ?? DEFAULT_FREE_BYTES),
  };
}

/** The PKCS#15 files that say what the application holds: ODF, TokenInfo, AODF, PrKDF, CDF and trusted CDF. */
function directoryFiles(options: BlankEidCardOptions, content: Content): CardFile[] {
  return [
    file(
      'ef',
      FID.odf,
      DIRECTORY_RULES,
      encodeOdf([
        {type: 'aodf', path: applicationPath(FID.aodf)},
        {type: 'prkdf', path: applicationPath(FID.prkdf)},
        {type: 'cdf', path: applicationPath(FID.cdf)},
        {type: 'trusted-cdf', path: applicationPath(FID.trustedCdf)},
      ]),
    ),
    file(
      'ef',
      FID.tokenInfo,
      DIRECTORY_RULES,
      encodeTokenInfo({
        serialNumber: packedBcd(options.cardNumber),
        manufacturer: 'siths-upgrade virtual card',
        label: options.label ?? 'SITHS',
        flags: ['loginRequired', 'prnGeneration', 'eidCompliant'],
      }),
    ),
    file('ef', FID.aodf, {read: ALWAYS}, encodeAodf(pinObjects())),
    file('ef', FID.prkdf, DIRECTORY_RULES, sized(encodePrkdf(content.keys.map(keyObject)))),
    file('ef', FID.cdf, DIRECTORY_RULES, sized(encodeCdf(content.certificates.map(certificateObject)))),
    file(
      'ef',
      FID.trustedCdf,
      DIRECTORY_RULES,
      sized(encodeCdf(content.caCertificates.map((_, index) => caCertificateObject(index)))),
    ),
  ];
}

/** The files the directory files point to: the key files, the certificates and the CA certificates. */
function contentFiles(content: Content): CardFile[] {
  return [
    ...content.keys.map(({fid, privateKey, role}) => keyFile(fid, ROLE[role].pin, privateKey)),
    ...content.certificates.map(({fid, der}) => file('ef', fid, CERTIFICATE_RULES, der)),
    ...content.caCertificates.map((der, index) =>
      file('ef', FID.caCertificate + index, CERTIFICATE_RULES, der),
    ),
  ];
}

/** The PIN records: Legitimering (81), Underskrift (82, one signature per VERIFY) and the PUK (83). */
function pinRecords(pins: EidCardPins, tries: NonNullable<BlankEidCardOptions['triesLeft']>) {
  return new Map<number, PinRecord>([
    [PIN_REFERENCE_AUTHENTICATION, pinRecord(pins.authentication, tries.authentication, false)],
    [PIN_REFERENCE_SIGNATURE, pinRecord(pins.signature, tries.signature, true)],
    [
      PIN_REFERENCE_PUK,
      {
        value: padPin(pins.puk),
        totalRetries: PUK_RETRIES,
        remainingRetries: tries.puk ?? PUK_RETRIES,
        isChangeable: false,
        minLength: PUK_LENGTH,
      },
    ],
  ]);
}

/** The AODF's three objects (docs/siths-eid-card.md): 6 to 8 digits padded with 00 to 8, the PUK 8 digits. */
function pinObjects() {
  const common = {
    objectFlags: ['private', 'modifiable'] as const,
    storedLength: REFERENCE_DATA_LENGTH,
    maxLength: REFERENCE_DATA_LENGTH,
    padChar: REFERENCE_DATA_PADDING,
  };
  return [
    {
      ...common,
      label: 'Legitimering',
      authId: AUTH_ID.authentication,
      reference: PIN_REFERENCE_AUTHENTICATION,
      flags: ['initialized', 'needs-padding'] as const,
      minLength: PIN_MIN_LENGTH,
      pukAuthId: AUTH_ID.puk,
    },
    {
      ...common,
      label: 'Underskrift',
      authId: AUTH_ID.signature,
      reference: PIN_REFERENCE_SIGNATURE,
      flags: ['initialized', 'needs-padding'] as const,
      minLength: PIN_MIN_LENGTH,
      pukAuthId: AUTH_ID.puk,
    },
    {
      ...common,
      objectFlags: ['private'] as const,
      label: 'PUK',
      authId: AUTH_ID.puk,
      reference: PIN_REFERENCE_PUK,
      flags: ['change-disabled', 'initialized', 'needs-padding', 'unblockingPin'] as const,
      minLength: PUK_LENGTH,
    },
  ];
}

function keyObject({fid, privateKey, role}: Content['keys'][number]): PrivateKeyObject {
  return {
    label: `${ROLE[role].label} key`,
    id: ROLE[role].id,
    authId: role === 'authentication' ? AUTH_ID.authentication : AUTH_ID.signature,
    ...(role === 'signature' && {userConsent: 1}),
    usage: role === 'authentication' ? ['sign'] : ['nonRepudiation'],
    keyReference: fid & 0xff,
    path: applicationPath(fid),
    modulusLength: privateKey.asymmetricKeyDetails?.modulusLength ?? 0,
  };
}

function certificateObject({fid, role}: Content['certificates'][number]): CertificateObject {
  return {
    label: `${ROLE[role].label} cert`,
    id: ROLE[role].id,
    isAuthority: false,
    path: applicationPath(fid),
  };
}

/** The trusted CDF's entry of the `index`th CA certificate. */
function caCertificateObject(index: number): CertificateObject {
  return {
    label: 'CA cert',
    id: CA_CERTIFICATE_ID + index,
    isAuthority: true,
    path: applicationPath(FID.caCertificate + index),
  };
}

function pinRecord(text: string, triesLeft: number | undefined, isSignature: boolean): PinRecord {
  return {
    value: padPin(text),
    totalRetries: PIN_RETRIES,
    remainingRetries: triesLeft ?? PIN_RETRIES,
    unblockedBy: PIN_REFERENCE_PUK,
    isChangeable: true,
    minLength: PIN_MIN_LENGTH,
    ...(isSignature && {signaturesPerVerification: 1 as const}),
  };
}

function directory(fid: number, rules: AccessRules, children: CardFile[], name?: Uint8Array): DedicatedFile {
  return {kind: 'df', fid, ...common('df', rules), ...(name && {name}), children};
}

function file(kind: 'ef', fid: number, rules: AccessRules, content: Uint8Array): CardFile {
  return {kind, fid, ...common(kind, rules), content: Uint8Array.from(content)};
}

/** A key file: the key made on the card, used, replaced and deleted after `pin`; its public key readable by all. */
function keyFile(fid: number, pin: number, privateKey: KeyObject): CardFile {
  const owner = {type: 'pin', reference: pin} as const;
  return {
    kind: 'key',
    fid,
    ...common('key', {read: ALWAYS, generate: owner, delete: owner, sign: owner}),
    privateKey,
  };
}

function common(kind: FileKind, rules: AccessRules) {
  return {securityAttributes: encodeSecurityAttributes(kind, rules), lifeCycle: LIFE_CYCLE_ACTIVATED};
}

/** A directory file with room to grow: the objects, then zeros (which OpenSC reads as the end). */
function sized(objects: Uint8Array): Uint8Array {
  const content = new Uint8Array(Math.max(DIRECTORY_FILE_SIZE, objects.length));
  content.set(objects);
  return content;
}

function path(...fids: number[]): Uint8Array {
  return Uint8Array.from(fids.flatMap((fid) => [fid >> 8, fid & 0xff]));
}

/** The path of a file in the PKCS#15 application: 3F00 5015 `fid`. */
function applicationPath(fid: number): Uint8Array {
  return path(FID_MASTER_FILE, FID.application, fid);
}

/** Decimal digits as packed BCD, two to a byte (OpenSC shows TokenInfo's serial in hex: the digits themselves). */
function packedBcd(digits: string): Uint8Array {
  const padded = digits.length % 2 === 0 ? digits : `${digits}F`;
  return new Uint8Array(Buffer.from(padded, 'hex'));
}

function caCertificate(issuer: CertificateAuthorityCredential): Uint8Array {
  return Uint8Array.from(issuer.certificate);
}
