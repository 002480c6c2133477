import {createPrivateKey, X509Certificate, type KeyObject} from 'node:crypto';
import {readFile} from 'node:fs/promises';
import {dirname, resolve} from 'node:path';
import {
  CARD_PROFILES,
  type CardProfile,
  type CardStatus,
  type Identity,
  type KeyAlgorithm,
  type PinPolicy,
  type PlanSlot,
  type Purpose,
} from '../protocol/common.js';
import {isHsaId, isPersonnummer} from '../pki/identity.js';
import type {CertificateAuthorityCredential} from '../pki/issue.js';
import {ServiceSetupError} from './errors.js';
import {hasPassword} from './store/postgresql-url.js';
import {isPostgresqlLocation} from './store/store.js';
import {
  checkShape,
  configFileSchema,
  directoryFileSchema,
  termsFileSchema,
  type ConfigFile,
  type PlanItemEntry,
} from './config-file.js';

/** A CA the service knows: a trust anchor, an issuer of new certificates, or the CA of the cards' old ones. */
export interface AuthoritySettings {
  /** Short id, used in URLs (/v1/crl/{id}.crl, /v1/authorities/{id}.cer). */
  readonly id: string;
  /** DER. */
  readonly certificate: Uint8Array;
  /** Present when the service issues certificates or CRLs with this CA. */
  readonly privateKey?: KeyObject;
}

/** One certificate of the upgrade plan. */
export interface PlanItemSettings {
  readonly identity: Identity;
  readonly purpose: Purpose;
  readonly keyAlgorithm: KeyAlgorithm;
  readonly slot: PlanSlot;
  readonly pinPolicy: PinPolicy;
}

export interface DirectoryCard {
  readonly number: string;
  readonly status: CardStatus;
}

export interface DirectoryPerson {
  readonly hsaId: string;
  readonly personnummer: string;
  readonly givenName: string;
  readonly surname: string;
  readonly organisation: string;
  readonly cards: readonly DirectoryCard[];
}

export interface TermsVersion {
  readonly version: string;
  readonly publishedAt: Date;
  readonly sv: string;
  readonly en: string;
}

/** The service's settings with every referenced file read. Secrets (keys) live only in memory. */
export interface ServiceSettings {
  readonly listen: {readonly host: string; readonly port: number};
  /** Base URL in certificates (CRL distribution point, AIA); default https://{listen.host}:{actual port}. */
  readonly publicUrl?: string;
  readonly tls: {
    /** PEM: the server certificate, then its intermediates. */
    readonly certificateChain: string;
    readonly privateKey: KeyObject;
    /** DER: the CA clients pin for this service. */
    readonly caCertificate: Uint8Array;
  };
  /** The store: a SQLite path, ':memory:', or a postgresql:// URL without a password. */
  readonly store: string;
  /** The PostgreSQL password from storePasswordFile, in memory only. */
  readonly storePassword?: string;
  readonly persons: readonly DirectoryPerson[];
  /** Oldest first; the last is the current version. */
  readonly terms: readonly TermsVersion[];
  readonly authorities: readonly AuthoritySettings[];
  /** Ids of the authorities that anchor login certificates (the others are intermediates). */
  readonly loginTrustAnchors: readonly string[];
  /** Id of the root the issued certificates chain to. */
  readonly root: string;
  /** Which authority issues the certificates of each identity. */
  readonly issuers: Readonly<Record<Identity, string>>;
  /** The plan of each card profile, in installation order; a session plans for the profile it logged in with. */
  readonly plans: Readonly<Record<CardProfile, readonly PlanItemSettings[]>>;
  readonly certificateValidityDays: number;
  readonly crlValidityDays: number;
  readonly sessionMinutes: number;
  /**
   * PIV key attestation (docs/architecture.md, "Key attestation"): the card makers' attestation roots (DER; the
   * demo's virtual maker root with its key, which only the virtual cards use) and whether a PIV issuance request
   * must carry the proof (default true; false only for cards whose maker offers no attestation).
   */
  readonly attestation: {
    readonly roots: readonly {readonly certificate: Uint8Array; readonly privateKey?: KeyObject}[];
    readonly isRequired: boolean;
  };
  readonly managementKeys: {
    /** Per-card keys are derived from it (HKDF-SHA256 with the card number). */
    readonly masterSecret: Uint8Array;
    /** Fixed keys by card number, for cards IT set up themselves. */
    readonly fixed: ReadonlyMap<string, Uint8Array>;
  };
  readonly limits: {
    readonly bodyBytes: number;
    /** Login challenges a minute for one certificate, and for one card number, from one client address. */
    readonly loginChallengesPerMinute: number;
    /**
     * Login challenges a minute from one client address in all: a ceiling generous enough for a ward of thin
     * clients, a VDI host or a NAT behind one address.
     */
    readonly loginChallengesPerAddressPerMinute: number;
    readonly loginFailuresPerCertificate: number;
    readonly loginFailureWindowMinutes: number;
  };
}

/** The default PIV plan: the personnummer pair in free retired slots first, then the HSA-id pair in place. */
export const DEFAULT_PIV_PLAN: readonly PlanItemSettings[] = [
  {
    identity: 'personnummer',
    purpose: 'authentication',
    keyAlgorithm: 'rsa-2048',
    slot: '82',
    pinPolicy: 'once',
  },
  {identity: 'personnummer', purpose: 'signature', keyAlgorithm: 'rsa-2048', slot: '83', pinPolicy: 'always'},
  {identity: 'hsa-id', purpose: 'authentication', keyAlgorithm: 'rsa-2048', slot: '9a', pinPolicy: 'once'},
  {identity: 'hsa-id', purpose: 'signature', keyAlgorithm: 'rsa-2048', slot: '9c', pinPolicy: 'always'},
];

/**
 * The default SITHS EID plan: RSA-2048 only (SITHS uses RSA), in free key files beside the old card's 01 and 02;
 * the personnummer pair first, then the HSA-id pair. 'once' guards a key with the authentication PIN, 'always'
 * with the signature PIN before each use (userConsent).
 */
export const DEFAULT_SITHS_EID_PLAN: readonly PlanItemSettings[] = [
  {
    identity: 'personnummer',
    purpose: 'authentication',
    keyAlgorithm: 'rsa-2048',
    slot: '03',
    pinPolicy: 'once',
  },
  {identity: 'personnummer', purpose: 'signature', keyAlgorithm: 'rsa-2048', slot: '04', pinPolicy: 'always'},
  {identity: 'hsa-id', purpose: 'authentication', keyAlgorithm: 'rsa-2048', slot: '05', pinPolicy: 'once'},
  {identity: 'hsa-id', purpose: 'signature', keyAlgorithm: 'rsa-2048', slot: '06', pinPolicy: 'always'},
];

/** The plan of each profile when the config names none. */
export const DEFAULT_PLANS: ServiceSettings['plans'] = {
  piv: DEFAULT_PIV_PLAN,
  'siths-eid': DEFAULT_SITHS_EID_PLAN,
};

/** PIV key references a plan may name: 9A (authentication), 9C (signature), the retired slots 82 to 95. */
function isPivPlanSlot(slot: string): boolean {
  const reference = Number.parseInt(slot, 16);
  return slot === '9a' || slot === '9c' || (reference >= 0x82 && reference <= 0x95);
}

export const DEFAULT_LIMITS: ServiceSettings['limits'] = {
  bodyBytes: 64 * 1024,
  loginChallengesPerMinute: 30,
  loginChallengesPerAddressPerMinute: 600,
  loginFailuresPerCertificate: 5,
  loginFailureWindowMinutes: 15,
};

/**
 * Reads a service config file (JSON) and every file it names (paths relative to the config file): TLS
 * certificate and key, authorities and their keys, directory, terms, management-key secrets. The keys and their
 * types are `configFileSchema` (source/service/config-file.ts); each profile's plan is in installation order
 * (default DEFAULT_PIV_PLAN, DEFAULT_SITHS_EID_PLAN); limits default to DEFAULT_LIMITS. `createDemoSetup` writes a
 * complete example.
 *
 * Throws ServiceSetupError 'config-unreadable' (a file cannot be read) or 'config-invalid' (wrong shape or
 * values, naming the JSON path), 'authority-invalid' (a certificate or key that does not parse or match).
 */
export async function loadServiceSettings(configPath: string): Promise<ServiceSettings> {
  const base = dirname(resolve(configPath));
  const file = (relative: string) => resolve(base, relative);
  const config = checkShape(configFileSchema, await readJson(configPath), configPath);
  const fail = (key: string, problem: string): never => {
    throw new ServiceSetupError('config-invalid', `${configPath}.${key}: ${problem}`);
  };

  const authorities = await readAuthorities(config, file);
  const authorityIds = new Set(authorities.map((authority) => authority.id));
  const authorityId = (key: string, id: string) => {
    if (!authorityIds.has(id)) fail(key, `names no authority in "authorities": ${id}`);
    return id;
  };
  const issuers = {
    'hsa-id': authorityId('issuers.hsa-id', config.issuers['hsa-id']),
    personnummer: authorityId('issuers.personnummer', config.issuers.personnummer),
  };
  for (const [identity, id] of Object.entries(issuers)) {
    if (!authorities.find((authority) => authority.id === id)?.privateKey) {
      fail(`issuers.${identity}`, `authority ${id} issues certificates but has no privateKey`);
    }
  }
  const {tls, store} = config;
  return {
    listen: {host: config.listen.host, port: config.listen.port},
    ...(config.publicUrl !== undefined && {publicUrl: config.publicUrl}),
    tls: {
      certificateChain: (await readBytes(file(tls.certificate))).toString('utf8'),
      privateKey: parsePrivateKey(await readBytes(file(tls.privateKey)), 'tls'),
      caCertificate: parseCertificate(await readBytes(file(tls.caCertificate)), 'tls'),
    },
    store: store === ':memory:' || isPostgresqlLocation(store) ? store : file(store),
    ...(await readStorePassword(config, fail, file)),
    persons: parseDirectory(await readJson(file(config.directory)), config.directory),
    terms: parseTerms(await readJson(file(config.terms)), config.terms),
    authorities,
    loginTrustAnchors: config.loginTrustAnchors.map((id) => authorityId('loginTrustAnchors', id)),
    root: authorityId('root', config.root),
    issuers,
    plans: parsePlans(config, fail),
    certificateValidityDays: config.certificateValidityDays ?? 730,
    crlValidityDays: config.crlValidityDays ?? 7,
    sessionMinutes: config.sessionMinutes ?? 30,
    attestation: await readAttestation(config, file),
    managementKeys: await readManagementKeys(config, file),
    limits: limitsOf(config.limits ?? {}),
  };
}

/** The limits the config sets, each else its default. */
function limitsOf(limits: NonNullable<ConfigFile['limits']>): ServiceSettings['limits'] {
  return {
    bodyBytes: limits.bodyBytes ?? DEFAULT_LIMITS.bodyBytes,
    loginChallengesPerMinute: limits.loginChallengesPerMinute ?? DEFAULT_LIMITS.loginChallengesPerMinute,
    loginChallengesPerAddressPerMinute:
      limits.loginChallengesPerAddressPerMinute ?? DEFAULT_LIMITS.loginChallengesPerAddressPerMinute,
    loginFailuresPerCertificate:
      limits.loginFailuresPerCertificate ?? DEFAULT_LIMITS.loginFailuresPerCertificate,
    loginFailureWindowMinutes: limits.loginFailureWindowMinutes ?? DEFAULT_LIMITS.loginFailureWindowMinutes,
  };
}

/** Each authority's certificate and, when it names one, its private key. */
async function readAuthorities(
  config: ConfigFile,
  file: (relative: string) => string,
): Promise<AuthoritySettings[]> {
  const authorities: AuthoritySettings[] = [];
  for (const {id, certificate, privateKey: keyPath} of config.authorities) {
    const der = parseCertificate(await readBytes(file(certificate)), id);
    const privateKey =
      keyPath === undefined ? undefined : parsePrivateKey(await readBytes(file(keyPath)), id);
    authorities.push({id, certificate: der, ...(privateKey && {privateKey})});
  }
  return authorities;
}

/**
 * The attestation root whose key the config holds (the demo setup's virtual card maker), for making virtual PIV
 * cards this service accepts the attestations of; undefined when no root has its key (a real deployment).
 */
export function virtualCardAttestationRoot(
  settings: Pick<ServiceSettings, 'attestation'>,
): CertificateAuthorityCredential | undefined {
  for (const {certificate, privateKey} of settings.attestation.roots) {
    if (privateKey !== undefined) return {certificate, privateKey};
  }
  return undefined;
}

/** The attestation roots (PEM certificates, keys where named) and whether attestation is required (default). */
async function readAttestation(
  config: ConfigFile,
  file: (relative: string) => string,
): Promise<ServiceSettings['attestation']> {
  const roots: {certificate: Uint8Array; privateKey?: KeyObject}[] = [];
  for (const [index, {certificate, privateKey: keyPath}] of (config.attestation?.roots ?? []).entries()) {
    const label = `attestation.roots[${index}]`;
    const der = parseCertificate(await readBytes(file(certificate)), label);
    const privateKey =
      keyPath === undefined ? undefined : parsePrivateKey(await readBytes(file(keyPath)), label);
    roots.push({certificate: der, ...(privateKey && {privateKey})});
  }
  return {roots, isRequired: config.attestation?.isRequired ?? true};
}

/** The master secret (32 bytes) and the fixed keys by card number (24 bytes each), read from their hex files. */
async function readManagementKeys(
  config: ConfigFile,
  file: (relative: string) => string,
): Promise<ServiceSettings['managementKeys']> {
  const fixed = new Map<string, Uint8Array>();
  for (const [cardNumber, path] of Object.entries(config.managementKeys.fixed ?? {})) {
    fixed.set(cardNumber, await readSecret(file(path), 24));
  }
  return {masterSecret: await readSecret(file(config.managementKeys.masterSecret), 32), fixed};
}

/**
 * Parses a directory file (`directoryFileSchema`): {"persons": [{hsaId, personnummer, givenName, surname,
 * organisation, cards: [{number, status}]}]}. HSA-ids and personnummer are checked (source/pki/identity.ts);
 * HSA-ids and card numbers are unique.
 */
export function parseDirectory(json: unknown, source: string): DirectoryPerson[] {
  const seenCards = new Set<string>();
  const seenPersons = new Set<string>();
  const {persons} = checkShape(directoryFileSchema, json, source);
  return persons.map((person, index) => {
    const fail = (key: string, problem: string): never => {
      throw new ServiceSetupError('config-invalid', `${source}.persons[${index}].${key}: ${problem}`);
    };
    const {hsaId, personnummer} = person;
    if (!isHsaId(hsaId)) fail('hsaId', 'is not an HSA-id (SE, ten digits, -, letters or digits)');
    if (seenPersons.has(hsaId)) fail('hsaId', `appears twice: ${hsaId}`);
    seenPersons.add(hsaId);
    if (!/^\d{12}$/.test(personnummer) || !isPersonnummer(personnummer)) {
      fail('personnummer', 'is not a valid personnummer (twelve digits, Luhn check digit)');
    }
    person.cards.forEach(({number}, card) => {
      if (seenCards.has(number)) fail(`cards[${card}].number`, `appears twice: ${number}`);
      seenCards.add(number);
    });
    const {givenName, surname, organisation} = person;
    const cards = person.cards.map(({number, status}) => ({number, status}));
    return {hsaId, personnummer, givenName, surname, organisation, cards};
  });
}

/** Parses a terms file (`termsFileSchema`): {"versions": [{version, publishedAt, sv, en}]}, oldest first. */
export function parseTerms(json: unknown, source: string): TermsVersion[] {
  const versions = checkShape(termsFileSchema, json, source).versions.map((entry, index) => {
    const publishedAt = new Date(entry.publishedAt);
    if (Number.isNaN(publishedAt.getTime())) {
      throw new ServiceSetupError(
        'config-invalid',
        `${source}.versions[${index}].publishedAt: expected an ISO 8601 date`,
      );
    }
    return {version: entry.version, publishedAt, sv: entry.sv, en: entry.en};
  });
  if (versions.length === 0) throw new ServiceSetupError('config-invalid', `${source}: "versions" is empty`);
  return versions;
}

/** The "plans" key: each profile's plan, or its default. The one-profile "plan" key of earlier configs is refused. */
function parsePlans(
  config: ConfigFile,
  fail: (key: string, problem: string) => never,
): ServiceSettings['plans'] {
  if (config.plan !== undefined) fail('plan', 'is now "plans": {"piv": [...], "siths-eid": [...]}');
  const plans = config.plans ?? {};
  for (const key of Object.keys(plans)) {
    if (!(CARD_PROFILES as readonly string[]).includes(key)) {
      fail(`plans.${key}`, `is not a card profile (${CARD_PROFILES.join(', ')})`);
    }
  }
  const planOf = (profile: CardProfile) => {
    const entries = plans[profile];
    if (entries === undefined) return DEFAULT_PLANS[profile];
    const items = entries.map((item, index) =>
      checkPlanItem(item, profile, (key, problem) => fail(`plans.${profile}[${index}].${key}`, problem)),
    );
    if (items.length === 0) fail(`plans.${profile}`, 'is empty');
    const ids = new Set(items.map((item) => `${item.identity}-${item.purpose}`));
    if (ids.size !== items.length) fail(`plans.${profile}`, 'names an identity and purpose twice');
    if (new Set(items.map((item) => item.slot)).size !== items.length) {
      fail(`plans.${profile}`, 'names a slot twice');
    }
    return items;
  };
  return {piv: planOf('piv'), 'siths-eid': planOf('siths-eid')};
}

/**
 * One plan item of `profile`. PIV: slot 9a, 9c or 82 to 95, any key algorithm. SITHS EID: RSA-2048 only, slot
 * a key file's reference 01 to ff that is not a PIV slot (a PIV slot there is a PIV plan copied by mistake).
 */
function checkPlanItem(
  item: PlanItemEntry,
  profile: CardProfile,
  fail: (key: string, problem: string) => never,
): PlanItemSettings {
  const {identity, purpose, keyAlgorithm, slot, pinPolicy} = item;
  if (profile === 'piv' && !isPivPlanSlot(slot)) {
    fail('slot', `${slot} is not a PIV slot (9a, 9c, retired 82 to 95)`);
  }
  if (profile === 'siths-eid') {
    if (keyAlgorithm !== 'rsa-2048') {
      fail('keyAlgorithm', `${keyAlgorithm}: a SITHS EID card holds RSA-2048 keys only`);
    }
    if (slot === '00' || isPivPlanSlot(slot)) {
      fail('slot', `${slot} is not a SITHS EID key reference (01 to ff, not a PIV slot)`);
    }
  }
  return {identity, purpose, keyAlgorithm, slot, pinPolicy};
}

/**
 * The PostgreSQL password from the file the config names (its first line). A password written into the store URL
 * is refused: the config file is not the place for it. The value never reaches messages.
 */
async function readStorePassword(
  config: ConfigFile,
  fail: (key: string, problem: string) => never,
  file: (relative: string) => string,
): Promise<{storePassword?: string}> {
  if (isPostgresqlLocation(config.store) && hasPassword(config.store)) {
    fail('store', 'holds a password; put it in the file storePasswordFile names, or in PGPASSWORD');
  }
  if (config.storePasswordFile === undefined) return {};
  if (!isPostgresqlLocation(config.store)) fail('storePasswordFile', 'is only for a postgresql:// store');
  const password = (await readBytes(file(config.storePasswordFile))).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (password === '') fail('storePasswordFile', 'names an empty file');
  return {storePassword: password};
}

async function readBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new ServiceSetupError('config-unreadable', `cannot read ${path}`, {cause: error});
  }
}

async function readJson(path: string): Promise<unknown> {
  const text = (await readBytes(path)).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ServiceSetupError('config-invalid', `${path} is not valid JSON`, {cause: error});
  }
}

/** A secret file holds hex (whitespace ignored); its length must be `bytes`. The value never reaches messages. */
async function readSecret(path: string, bytes: number): Promise<Uint8Array> {
  const text = (await readBytes(path)).toString('utf8').replace(/\s+/g, '');
  if (!/^[0-9a-fA-F]*$/.test(text) || text.length !== bytes * 2) {
    throw new ServiceSetupError('config-invalid', `${path} must hold ${bytes} bytes as hex`);
  }
  return new Uint8Array(Buffer.from(text, 'hex'));
}

function parseCertificate(bytes: Buffer, what: string): Uint8Array {
  try {
    return new Uint8Array(new X509Certificate(bytes).raw);
  } catch (error) {
    throw new ServiceSetupError('authority-invalid', `the certificate of ${what} does not parse`, {
      cause: error,
    });
  }
}

function parsePrivateKey(bytes: Buffer, what: string): KeyObject {
  try {
    return createPrivateKey(bytes);
  } catch (error) {
    throw new ServiceSetupError('authority-invalid', `the private key of ${what} does not parse`, {
      cause: error,
    });
  }
}
