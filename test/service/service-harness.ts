import {createHash, generateKeyPairSync, sign, type KeyObject} from 'node:crypto';
import {execFile} from 'node:child_process';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {Writable} from 'node:stream';
import {promisify} from 'node:util';
import {expect} from 'vitest';
import {createAttestationKey} from '../../source/card/virtual/attestation.js';
import {buildCertificateRequest, verifyCertificateRequest} from '../../source/pki/csr.js';
import {KeyUsage} from '../../source/pki/extensions.js';
import {issueCertificate, randomSerialNumber} from '../../source/pki/issue.js';
import {deriveManagementKey} from '../../source/pki/management-key.js';
import {EKU_CLIENT_AUTH} from '../../source/pki/object-identifiers.js';
import {exportPublicKey} from '../../source/pki/public-key.js';
import {keyObjectSigner} from '../../source/pki/signer.js';
import type {DistinguishedName} from '../../source/pki/distinguished-name.js';
import {
  loadServiceSettings,
  virtualCardAttestationRoot,
  type DirectoryPerson,
  type ServiceSettings,
} from '../../source/service/config.js';
import {createDemoSetup, DEMO_PERSONS} from '../../source/service/demo-setup.js';
import {planItemId} from '../../source/service/plan.js';
import {startService, type RunningService} from '../../source/service/start.js';
import {freshStoreLocation, storeSnapshot} from '../support/test-store.js';
import {httpsClient} from './https-client.js';

export {storeSnapshot};

const run = promisify(execFile);

/** A demo setup in a temporary directory, made by the real `createDemoSetup`, and its loaded settings. */
export interface DemoFixture {
  readonly directory: string;
  readonly settings: ServiceSettings;
  cleanup(): Promise<void>;
}

export async function createDemoFixture(
  options: {keyAlgorithm?: 'rsa-2048' | 'ecc-p256'} = {},
): Promise<DemoFixture> {
  const directory = await mkdtemp(join(tmpdir(), 'siths-service-'));
  const setup = await createDemoSetup(join(directory, 'demo'), options);
  return {
    directory,
    settings: await loadServiceSettings(setup.configPath),
    cleanup: () => rm(directory, {recursive: true, force: true}),
  };
}

/** A person of the demo directory by given name. */
export function demoPerson(givenName: string): DirectoryPerson {
  const person = DEMO_PERSONS.find((candidate) => candidate.givenName === givenName);
  if (!person) throw new Error(`no demo person ${givenName}`);
  return person;
}

/** A clock the test moves. */
export class TestClock {
  #now: number;
  constructor(start = Date.now()) {
    this.#now = start;
  }
  now(): Date {
    return new Date(this.#now);
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}

/**
 * A running service on 127.0.0.1:0 with a fresh store (the test engine's: test/support/test-store.ts), and an
 * HTTPS client pinned to its CA.
 */
export async function startTestService(
  fixture: DemoFixture,
  options: {
    clock?: TestClock;
    settings?: Partial<ServiceSettings>;
    storeLocation?: string;
    log?: Writable;
  } = {},
) {
  const storeLocation = options.storeLocation ?? (await freshStoreLocation(fixture.directory));
  const service: RunningService = await startService({
    config: {...fixture.settings, ...options.settings},
    store: storeLocation,
    listen: {host: '127.0.0.1', port: 0},
    ...(options.clock && {clock: options.clock}),
    ...(options.log && {log: options.log}),
  });
  return {
    service,
    storeLocation,
    call: httpsClient(service.url, service.caCertificate),
    close: () => service.close(),
  };
}

/** A key pair as a card would generate it. */
export function generateCardKey(algorithm: 'rsa-2048' | 'ecc-p256'): KeyObject {
  return algorithm === 'rsa-2048'
    ? generateKeyPairSync('rsa', {modulusLength: 2048}).privateKey
    : generateKeyPairSync('ec', {namedCurve: 'P-256'}).privateKey;
}

/** A PKCS#10 request signed by `privateKey` (node:crypto standing in for the card). */
export function certificateRequest(
  privateKey: KeyObject,
  subject: DistinguishedName = [],
): Promise<Uint8Array> {
  return buildCertificateRequest({subject, signer: keyObjectSigner(privateKey)});
}

export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** An attestation as the wire carries it: both certificates DER base64. */
export interface WireAttestation {
  readonly certificate: string;
  readonly intermediate: string;
}

/** A card's F9 attestation key and certificate: under the demo's virtual maker root unless `root` says otherwise. */
export function attestationKeyOf(
  fixture: DemoFixture,
  root = virtualCardAttestationRoot(fixture.settings),
): ReturnType<typeof createAttestationKey> {
  return createAttestationKey(12_345_678, new Date(Date.now() - 60_000), root);
}

/**
 * The attestation a card's ATTEST answers for the key of `request` in `slot`, as the virtual card makes it
 * (source/card/virtual/attestation.ts: subject "YubiKey PIV Attestation <slot>", signed by the F9 key).
 */
export async function attestRequest(
  request: Uint8Array,
  slot: string,
  f9: Awaited<ReturnType<typeof createAttestationKey>>,
): Promise<WireAttestation> {
  const certificate = await issueCertificate({
    subject: [{type: 'commonName', value: `YubiKey PIV Attestation ${slot}`}],
    subjectPublicKey: verifyCertificateRequest(request).publicKey,
    issuer: {certificate: f9.certificate, privateKey: f9.key.privateKey},
    serialNumber: randomSerialNumber(),
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 365 * 24 * 3600_000),
  });
  return {certificate: base64(certificate), intermediate: base64(f9.certificate)};
}

function isVerifiable(request: Uint8Array): boolean {
  try {
    verifyCertificateRequest(request);
    return true;
  } catch {
    return false;
  }
}

/** The slot the fixture's PIV plan puts `itemId` in; undefined for an item the plan does not have. */
export function pivSlotOf(fixture: DemoFixture, itemId: string): string | undefined {
  return fixture.settings.plans.piv.find((candidate) => planItemId(candidate) === itemId)?.slot;
}

const standInF9 = new WeakMap<DemoFixture, ReturnType<typeof createAttestationKey>>();

/**
 * The body of a PIV issuance request for `itemId`: the request and the attestation a virtual card under the
 * fixture's maker root gives its key in the item's slot (one F9 key per fixture, made once).
 */
export async function pivIssuanceBody(
  fixture: DemoFixture,
  itemId: string,
  request: Uint8Array,
): Promise<{itemId: string; request: string; attestation?: WireAttestation}> {
  // A forged or malformed request names no key to attest, an unknown item no slot: the service refuses them
  // before it asks for the proof.
  const slot = pivSlotOf(fixture, itemId);
  if (slot === undefined || !isVerifiable(request)) return {itemId, request: base64(request)};
  let f9 = standInF9.get(fixture);
  if (f9 === undefined) standInF9.set(fixture, (f9 = attestationKeyOf(fixture)));
  const attestation = await attestRequest(request, slot, await f9);
  return {itemId, request: base64(request), attestation};
}

/**
 * A staff card stood in for by node:crypto keys: an authentication key with a certificate from the demo's old CA
 * (or any CA given), the card number, and the management key the service derives for it.
 */
export class StandInCard {
  private constructor(
    readonly person: DirectoryPerson,
    readonly cardNumber: string,
    readonly authenticationKey: KeyObject,
    readonly authenticationCertificate: Uint8Array,
    readonly managementKey: Uint8Array,
  ) {}

  /**
   * A card holding an old authentication credential issued by `authority` (default: the demo's old CA), with an
   * ECC P-256 key unless `keyAlgorithm` says otherwise (RSA key generation is slow; the tests that care ask for it).
   */
  static async create(
    fixture: DemoFixture,
    person: DirectoryPerson,
    options: {
      cardNumber?: string;
      keyAlgorithm?: 'rsa-2048' | 'ecc-p256';
      authority?: string;
      notBefore?: Date;
      notAfter?: Date;
      serialNumber?: string;
    } = {},
  ): Promise<StandInCard> {
    const cardNumber = options.cardNumber ?? person.cards[0]!.number;
    const key = generateCardKey(options.keyAlgorithm ?? 'ecc-p256');
    const certificate = await oldCertificate(fixture, person, key, {
      purpose: 'authentication',
      cardNumber,
      ...options,
    });
    const fixed = fixture.settings.managementKeys.fixed.get(cardNumber);
    return new StandInCard(
      person,
      cardNumber,
      key,
      certificate,
      fixed ?? deriveManagementKey(fixture.settings.managementKeys.masterSecret, cardNumber),
    );
  }

  /** The card's login signature: SHA-256 over `toBeSigned` with the authentication key. */
  signLogin(toBeSigned: Uint8Array, key: KeyObject = this.authenticationKey): Uint8Array {
    return new Uint8Array(sign('sha256', toBeSigned, {key, dsaEncoding: 'der'}));
  }
}

/** A certificate from one of the demo's CAs for `key`, SITHS-like, as the old PKI issued them. */
export async function oldCertificate(
  fixture: DemoFixture,
  person: DirectoryPerson,
  key: KeyObject,
  options: {
    purpose: 'authentication' | 'signature';
    cardNumber: string;
    authority?: string;
    notBefore?: Date;
    notAfter?: Date;
    serialNumber?: string;
  },
): Promise<Uint8Array> {
  const authority = fixture.settings.authorities.find(
    (candidate) => candidate.id === (options.authority ?? 'old'),
  )!;
  const isAuthentication = options.purpose === 'authentication';
  return issueCertificate({
    subject: [
      {type: 'countryName', value: 'SE'},
      {type: 'organizationName', value: person.organisation},
      {type: 'commonName', value: `${person.givenName} ${person.surname}`},
      {type: 'serialNumber', value: options.serialNumber ?? person.hsaId},
    ],
    subjectPublicKey: exportPublicKey(key),
    issuer: {certificate: authority.certificate, privateKey: authority.privateKey!},
    serialNumber: randomSerialNumber(),
    notBefore: options.notBefore ?? new Date(Date.now() - 3_600_000),
    notAfter: options.notAfter ?? new Date(Date.now() + 365 * 86_400_000),
    extensions: {
      keyUsage: [isAuthentication ? KeyUsage.DigitalSignature : KeyUsage.NonRepudiation],
      ...(isAuthentication && {extendedKeyUsage: [EKU_CLIENT_AUTH]}),
      subjectAltName: {cardNumber: options.cardNumber},
    },
  });
}

type Call = ReturnType<typeof httpsClient>;

/**
 * Logs in with the card's authentication credential (or another key and certificate) as a card of `cardProfile`
 * (default piv); returns the token.
 */
export async function logIn(
  call: Call,
  card: StandInCard,
  credential: {certificate: Uint8Array; key: KeyObject} = {
    certificate: card.authenticationCertificate,
    key: card.authenticationKey,
  },
  cardProfile: 'piv' | 'siths-eid' = 'piv',
): Promise<string> {
  const challenge = await call('POST', '/v1/login/challenge', {
    body: {certificate: base64(credential.certificate), cardNumber: card.cardNumber, cardProfile},
  });
  if (challenge.status !== 200)
    throw new Error(`challenge: ${challenge.status} ${JSON.stringify(challenge.body)}`);
  const login = await call('POST', '/v1/login', {
    body: {
      challengeId: challenge.body.challengeId,
      signature: base64(card.signLogin(Buffer.from(challenge.body.toBeSigned, 'base64'), credential.key)),
    },
  });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${JSON.stringify(login.body)}`);
  return login.body.token as string;
}

/** Runs openssl with `args`; resolves to its stdout, rejects with its stderr. */
export async function openssl(args: readonly string[]): Promise<string> {
  const {stdout} = await run('openssl', [...args]);
  return stdout;
}

/** Writes PEM certificates to a file in `directory` and returns its path. */
export async function pemFile(
  directory: string,
  name: string,
  certificates: readonly Uint8Array[],
): Promise<string> {
  const path = join(directory, name);
  const pem = certificates
    .map(
      (der) =>
        `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`,
    )
    .join('')
    .replace(/\n\n/g, '\n');
  await writeFile(path, pem);
  return path;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Sends a hostile request and checks the answer is the given refusal and that the store did not change.
 */
export async function expectRefusedWithoutWriting(
  storeLocation: string,
  send: () => Promise<{status: number; body: {error?: string}}>,
  expected: {status: number; error: string},
): Promise<void> {
  const before = await storeSnapshot(storeLocation);
  const answer = await send();
  expect({status: answer.status, error: answer.body?.error}).toEqual(expected);
  expect(await storeSnapshot(storeLocation)).toEqual(before);
}

/** Logs in and accepts the current terms: ready for issuance. */
export async function logInReady(call: Call, card: StandInCard): Promise<string> {
  const token = await logIn(call, card);
  const terms = await call('GET', '/v1/terms');
  const accepted = await call('POST', '/v1/terms/acceptance', {token, body: {version: terms.body.version}});
  if (accepted.status !== 200) throw new Error(`terms: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  return token;
}
