import {createPrivateKey, X509Certificate, type KeyObject} from 'node:crypto';
import {readFile} from 'node:fs/promises';
import {dirname, resolve} from 'node:path';
import {
  CARD_PROFILES,
  CARD_STATUSES,
  IDENTITIES,
  KEY_ALGORITHMS,
  PIN_POLICIES,
  PURPOSES,
  type CardProfile,
  type CardStatus,
  type Identity,
  type KeyAlgorithm,
  type PinPolicy,
  type PlanSlot,
  type Purpose,
} from '../protocol/common.js';
import {isHsaId, isPersonnummer} from '../pki/identity.js';
import {ServiceSetupError} from './errors.js';

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
  /** Path of the SQLite store, or ':memory:'. */
  readonly store: string;
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
 * certificate and key, authorities and their keys, directory, terms, management-key secrets. The keys:
 * listen {host, port}; publicUrl (optional); tls {certificate, privateKey, caCertificate}; store; directory;
 * terms; authorities [{id, certificate, privateKey?}]; root; loginTrustAnchors [ids]; issuers {hsa-id,
 * personnummer}; plans (optional) {piv?, siths-eid?: [{identity, purpose, keyAlgorithm, slot, pinPolicy}]}, each
 * profile's plan in installation order (default DEFAULT_PIV_PLAN, DEFAULT_SITHS_EID_PLAN); certificateValidityDays, crlValidityDays, sessionMinutes
 * (optional); managementKeys {masterSecret, fixed? {cardNumber: file}} (files of hex); limits (optional,
 * DEFAULT_LIMITS). `createDemoSetup` writes a complete example.
 *
 * Throws ServiceSetupError 'config-unreadable' (a file cannot be read) or 'config-invalid' (wrong shape or
 * values, naming the JSON path), 'authority-invalid' (a certificate or key that does not parse or match).
 */
export async function loadServiceSettings(configPath: string): Promise<ServiceSettings> {
  const base = dirname(resolve(configPath));
  const file = (relative: string) => resolve(base, relative);
  const json = await readJson(configPath);
  const config = new Reader(json, configPath);

  const listen = config.object('listen');
  const tls = config.object('tls');
  const keys = config.object('managementKeys');
  const limits = config.optionalObject('limits');

  const authorities: AuthoritySettings[] = [];
  for (const entry of config.array('authorities')) {
    const id = entry.string('id', /^[a-z0-9-]{1,32}$/);
    const certificate = parseCertificate(await readBytes(file(entry.string('certificate'))), id);
    const keyPath = entry.optionalString('privateKey');
    const privateKey =
      keyPath === undefined ? undefined : parsePrivateKey(await readBytes(file(keyPath)), id);
    authorities.push({id, certificate, ...(privateKey && {privateKey})});
  }
  const authorityIds = new Set(authorities.map((authority) => authority.id));
  const authorityId = (reader: Reader, key: string, id = reader.string(key)) => {
    if (!authorityIds.has(id)) reader.fail(key, `names no authority in "authorities": ${id}`);
    return id;
  };
  const issuersReader = config.object('issuers');
  const issuers = {
    'hsa-id': authorityId(issuersReader, 'hsa-id'),
    personnummer: authorityId(issuersReader, 'personnummer'),
  };
  for (const [identity, id] of Object.entries(issuers)) {
    if (!authorities.find((authority) => authority.id === id)?.privateKey) {
      issuersReader.fail(identity, `authority ${id} issues certificates but has no privateKey`);
    }
  }

  const fixed = new Map<string, Uint8Array>();
  const fixedReader = keys.optionalObject('fixed');
  for (const cardNumber of fixedReader?.keys() ?? []) {
    fixed.set(cardNumber, await readSecret(file(fixedReader!.string(cardNumber)), 24));
  }

  const tlsKeyPath = file(tls.string('privateKey'));
  const persons = parseDirectory(
    await readJson(file(config.string('directory'))),
    config.string('directory'),
  );
  const terms = parseTerms(await readJson(file(config.string('terms'))), config.string('terms'));
  const storePath = config.string('store');

  return {
    listen: {host: listen.string('host'), port: listen.integer('port', 0, 65535)},
    ...(config.has('publicUrl') && {publicUrl: config.string('publicUrl', /^https?:\/\/[^/]+$/)}),
    tls: {
      certificateChain: (await readBytes(file(tls.string('certificate')))).toString('utf8'),
      privateKey: parsePrivateKey(await readBytes(tlsKeyPath), 'tls'),
      caCertificate: parseCertificate(await readBytes(file(tls.string('caCertificate'))), 'tls'),
    },
    store: storePath === ':memory:' ? storePath : file(storePath),
    persons,
    terms,
    authorities,
    loginTrustAnchors: config
      .strings('loginTrustAnchors')
      .map((id) => authorityId(config, 'loginTrustAnchors', id)),
    root: authorityId(config, 'root'),
    issuers,
    plans: parsePlans(config),
    certificateValidityDays: config.optionalInteger('certificateValidityDays', 1, 3650) ?? 730,
    crlValidityDays: config.optionalInteger('crlValidityDays', 1, 90) ?? 7,
    sessionMinutes: config.optionalInteger('sessionMinutes', 1, 24 * 60) ?? 30,
    managementKeys: {masterSecret: await readSecret(file(keys.string('masterSecret')), 32), fixed},
    limits: {
      bodyBytes: limits?.optionalInteger('bodyBytes', 1024, 1024 * 1024) ?? DEFAULT_LIMITS.bodyBytes,
      loginChallengesPerMinute:
        limits?.optionalInteger('loginChallengesPerMinute', 1, 10_000) ??
        DEFAULT_LIMITS.loginChallengesPerMinute,
      loginChallengesPerAddressPerMinute:
        limits?.optionalInteger('loginChallengesPerAddressPerMinute', 1, 100_000) ??
        DEFAULT_LIMITS.loginChallengesPerAddressPerMinute,
      loginFailuresPerCertificate:
        limits?.optionalInteger('loginFailuresPerCertificate', 1, 1000) ??
        DEFAULT_LIMITS.loginFailuresPerCertificate,
      loginFailureWindowMinutes:
        limits?.optionalInteger('loginFailureWindowMinutes', 1, 24 * 60) ??
        DEFAULT_LIMITS.loginFailureWindowMinutes,
    },
  };
}

/**
 * Parses a directory file: {"persons": [{hsaId, personnummer, givenName, surname, organisation, cards: [{number,
 * status}]}]}. HSA-ids and personnummer are checked (source/pki/identity.ts); HSA-ids and card numbers are unique.
 */
export function parseDirectory(json: unknown, source: string): DirectoryPerson[] {
  const seenCards = new Set<string>();
  const seenPersons = new Set<string>();
  return new Reader(json, source).array('persons').map((person) => {
    const hsaId = person.string('hsaId');
    if (!isHsaId(hsaId)) person.fail('hsaId', 'is not an HSA-id (SE, ten digits, -, letters or digits)');
    if (seenPersons.has(hsaId)) person.fail('hsaId', `appears twice: ${hsaId}`);
    seenPersons.add(hsaId);
    const personnummer = person.string('personnummer');
    if (!/^\d{12}$/.test(personnummer) || !isPersonnummer(personnummer)) {
      person.fail('personnummer', 'is not a valid personnummer (twelve digits, Luhn check digit)');
    }
    return {
      hsaId,
      personnummer,
      givenName: person.string('givenName'),
      surname: person.string('surname'),
      organisation: person.string('organisation'),
      cards: person.array('cards').map((card) => {
        const number = card.string('number', /^[0-9A-Za-z-]{1,40}$/);
        if (seenCards.has(number)) card.fail('number', `appears twice: ${number}`);
        seenCards.add(number);
        return {number, status: card.oneOf('status', CARD_STATUSES)};
      }),
    };
  });
}

/** Parses a terms file: {"versions": [{version, publishedAt, sv, en}]}, oldest first. */
export function parseTerms(json: unknown, source: string): TermsVersion[] {
  const versions = new Reader(json, source).array('versions').map((entry) => ({
    version: entry.string('version', /^[0-9A-Za-z.-]{1,64}$/),
    publishedAt: entry.date('publishedAt'),
    sv: entry.string('sv'),
    en: entry.string('en'),
  }));
  if (versions.length === 0) throw new ServiceSetupError('config-invalid', `${source}: "versions" is empty`);
  return versions;
}

/** The "plans" key: each profile's plan, or its default. The one-profile "plan" key of earlier configs is refused. */
function parsePlans(config: Reader): ServiceSettings['plans'] {
  if (config.has('plan')) config.fail('plan', 'is now "plans": {"piv": [...], "siths-eid": [...]}');
  const plans = config.optionalObject('plans');
  for (const key of plans?.keys() ?? []) {
    if (!(CARD_PROFILES as readonly string[]).includes(key)) {
      plans!.fail(key, `is not a card profile (${CARD_PROFILES.join(', ')})`);
    }
  }
  const planOf = (profile: CardProfile) => {
    if (!plans?.has(profile)) return DEFAULT_PLANS[profile];
    const items = plans.array(profile).map((item) => parsePlanItem(item, profile));
    if (items.length === 0) plans.fail(profile, 'is empty');
    const ids = new Set(items.map((item) => `${item.identity}-${item.purpose}`));
    if (ids.size !== items.length) plans.fail(profile, 'names an identity and purpose twice');
    if (new Set(items.map((item) => item.slot)).size !== items.length) {
      plans.fail(profile, 'names a slot twice');
    }
    return items;
  };
  return {piv: planOf('piv'), 'siths-eid': planOf('siths-eid')};
}

/**
 * One plan item of `profile`. PIV: slot 9a, 9c or 82 to 95, any key algorithm. SITHS EID: RSA-2048 only, slot
 * a key file's reference 01 to ff that is not a PIV slot (a PIV slot there is a PIV plan copied by mistake).
 */
function parsePlanItem(item: Reader, profile: CardProfile): PlanItemSettings {
  const keyAlgorithm = item.oneOf('keyAlgorithm', KEY_ALGORITHMS);
  const slot = item.string('slot', /^[0-9a-f]{2}$/);
  if (profile === 'piv' && !isPivPlanSlot(slot)) {
    item.fail('slot', `${slot} is not a PIV slot (9a, 9c, retired 82 to 95)`);
  }
  if (profile === 'siths-eid') {
    if (keyAlgorithm !== 'rsa-2048') {
      item.fail('keyAlgorithm', `${keyAlgorithm}: a SITHS EID card holds RSA-2048 keys only`);
    }
    if (slot === '00' || isPivPlanSlot(slot)) {
      item.fail('slot', `${slot} is not a SITHS EID key reference (01 to ff, not a PIV slot)`);
    }
  }
  return {
    identity: item.oneOf('identity', IDENTITIES),
    purpose: item.oneOf('purpose', PURPOSES),
    keyAlgorithm,
    slot,
    pinPolicy: item.oneOf('pinPolicy', PIN_POLICIES),
  };
}

/** Typed access to parsed JSON that names the JSON path of whatever is wrong. */
class Reader {
  constructor(
    private readonly value: unknown,
    private readonly path: string,
  ) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ServiceSetupError('config-invalid', `${path}: expected an object`);
    }
  }

  private get record(): Record<string, unknown> {
    return this.value as Record<string, unknown>;
  }

  fail(key: string, problem: string): never {
    throw new ServiceSetupError('config-invalid', `${this.path}.${key}: ${problem}`);
  }

  has(key: string): boolean {
    return this.record[key] !== undefined;
  }

  keys(): string[] {
    return Object.keys(this.record);
  }

  string(key: string, pattern?: RegExp): string {
    const value = this.record[key];
    if (typeof value !== 'string' || value.length === 0) this.fail(key, 'expected a non-empty string');
    if (pattern && !pattern.test(value)) this.fail(key, `does not match ${pattern.source}`);
    return value;
  }

  optionalString(key: string): string | undefined {
    return this.has(key) ? this.string(key) : undefined;
  }

  integer(key: string, min: number, max: number): number {
    const value = this.record[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(key, `expected an integer from ${min} to ${max}`);
    }
    return value;
  }

  optionalInteger(key: string, min: number, max: number): number | undefined {
    return this.has(key) ? this.integer(key, min, max) : undefined;
  }

  date(key: string): Date {
    const date = new Date(this.string(key));
    if (Number.isNaN(date.getTime())) this.fail(key, 'expected an ISO 8601 date');
    return date;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T {
    const value = this.string(key);
    if (!(allowed as readonly string[]).includes(value))
      this.fail(key, `expected one of ${allowed.join(', ')}`);
    return value as T;
  }

  object(key: string): Reader {
    return new Reader(this.record[key], `${this.path}.${key}`);
  }

  optionalObject(key: string): Reader | undefined {
    return this.has(key) ? this.object(key) : undefined;
  }

  strings(key: string): string[] {
    const value = this.record[key];
    if (
      !Array.isArray(value) ||
      value.length === 0 ||
      !value.every((element) => typeof element === 'string')
    ) {
      this.fail(key, 'expected a non-empty array of strings');
    }
    return value as string[];
  }

  array(key: string): Reader[] {
    const value = this.record[key];
    if (!Array.isArray(value)) this.fail(key, 'expected an array');
    return value.map((element, index) =>
      typeof element === 'object' && element !== null
        ? new Reader(element, `${this.path}.${key}[${index}]`)
        : this.atIndex(key, index),
    );
  }

  private atIndex(key: string, index: number): never {
    this.fail(`${key}[${index}]`, 'expected an object');
  }
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
