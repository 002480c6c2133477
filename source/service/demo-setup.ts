import {randomBytes, X509Certificate} from 'node:crypto';
import {chmod, mkdir, readdir, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import type {DistinguishedName} from '../pki/distinguished-name.js';
import {KeyUsage} from '../pki/extensions.js';
import {
  createCertificateAuthority,
  generatePrivateKey,
  issueCertificate,
  randomSerialNumber,
  type CertificateAuthorityCredential,
} from '../pki/issue.js';
import {EKU_SERVER_AUTH} from '../pki/object-identifiers.js';
import {exportPublicKey} from '../pki/public-key.js';
import type {KeyAlgorithm} from '../protocol/common.js';
import {DEFAULT_PIV_PLAN, DEFAULT_SITHS_EID_PLAN, type DirectoryPerson} from './config.js';
import type {ConfigFile} from './config-file.js';
import {ServiceSetupError} from './errors.js';

const DAY_MS = 86_400_000;

/**
 * The factory PIV management key (docs/piv-card.md section 4): the demo's IT-managed card keeps it as its
 * fixed key.
 */
const FACTORY_MANAGEMENT_KEY = '010203040506070801020304050607080102030405060708';

/** The demo staff: valid HSA-ids, test personnummer (1912-12-12, Luhn-valid), and cards in each status. */
export const DEMO_PERSONS: readonly DirectoryPerson[] = [
  {
    hsaId: 'SE2321000016-1001',
    personnummer: '191212121212',
    givenName: 'Anna',
    surname: 'Andersson',
    organisation: 'Region Demo',
    cards: [{number: '97522700000001', status: 'received'}],
  },
  {
    hsaId: 'SE2321000016-1002',
    personnummer: '191212121220',
    givenName: 'Bo',
    surname: 'Berg',
    organisation: 'Region Demo',
    cards: [{number: '97522700000002', status: 'received'}],
  },
  {
    hsaId: 'SE2321000016-1003',
    personnummer: '191212121238',
    givenName: 'Cecilia',
    surname: 'Carlsson',
    organisation: 'Region Demo',
    cards: [{number: '97522700000003', status: 'ordered'}],
  },
  {
    hsaId: 'SE2321000016-1004',
    personnummer: '191212121246',
    givenName: 'Daniel',
    surname: 'Dahl',
    organisation: 'Region Demo IT',
    cards: [{number: '97522700000004', status: 'received'}],
  },
  {
    hsaId: 'SE2321000016-1005',
    personnummer: '191212121253',
    givenName: 'Eva',
    surname: 'Ek',
    organisation: 'Region Demo',
    cards: [{number: '97522700000005', status: 'suspended'}],
  },
];

/** The card of the demo whose management key is a fixed key IT registered (the factory key). */
export const DEMO_FIXED_KEY_CARD = '97522700000004';

const DEMO_TERMS = {
  versions: [
    {
      version: '2026-1',
      publishedAt: '2026-01-01T00:00:00Z',
      sv:
        'Villkor för e-tjänstekort (demo). Jag intygar att kortet är mitt och att jag förvarar det och mina ' +
        'pinkoder säkert. Jag lämnar aldrig ut pinkoderna. Jag spärrar kortet genast om det förloras. ' +
        'Certifikaten får bara användas i tjänsten.',
      en:
        'Terms for the staff card (demo). I confirm that the card is mine and that I keep it and my PIN codes ' +
        'safe. I never disclose the PIN codes. I revoke the card at once if it is lost. The certificates may ' +
        'only be used for work.',
    },
  ],
};

export interface DemoSetup {
  /** The config file to pass to `serve --config`. */
  readonly configPath: string;
  readonly directory: string;
}

/**
 * `siths-upgrade serve --init DIR`: writes a complete demo setup into an empty (or new) directory:
 * - authorities/: a root CA, the issuing CAs for HSA-id and personnummer certificates under it, and an "old" CA
 *   that issued the cards' current certificates (its key is kept so the demo can make old credentials and the
 *   service can revoke them); the root's key is not kept; the virtual PIV cards' maker attestation root
 *   (attestation.pem: the service checks PIV key attestations against it; its key is kept so the demo's virtual
 *   cards get F9 certificates under it);
 * - tls/server.pem: the server certificate (localhost, 127.0.0.1, ::1) under the root, which clients pin;
 * - private/ (mode 0700, files 0600): the CA and server keys, the management-key master secret, and the fixed key
 *   of the demo's IT-managed card;
 * - directory.json (DEMO_PERSONS), terms.json (Swedish and English), config.json.
 * `keyAlgorithm` sets the key algorithm of every PIV plan item (default rsa-2048); the SITHS EID plan is RSA only.
 *
 * Throws ServiceSetupError 'setup-directory-not-empty'; PkiError from certificate creation.
 */
export async function createDemoSetup(
  directory: string,
  options: {now?: Date; keyAlgorithm?: KeyAlgorithm; port?: number} = {},
): Promise<DemoSetup> {
  await mkdir(directory, {recursive: true});
  if ((await readdir(directory)).length > 0) {
    throw new ServiceSetupError('setup-directory-not-empty', `${directory} is not empty`);
  }
  const now = options.now ?? new Date();
  const authorities = await demoAuthorities(now);
  const server = await serverCredential(
    authorities.root,
    new Date(now.getTime() - DAY_MS),
    new Date(now.getTime() + 2 * 365 * DAY_MS),
  );
  await writeDemoFiles(directory, authorities, server);
  const configPath = join(directory, 'config.json');
  await writeFile(configPath, `${JSON.stringify(demoConfig(options), null, 2)}\n`);
  return {configPath, directory};
}

/** The demo's CAs, valid from the day before `now`: the root, its two issuing CAs, and the old cards' CA. */
async function demoAuthorities(now: Date) {
  const years = (count: number) => new Date(now.getTime() + count * 365 * DAY_MS);
  const dayBefore = new Date(now.getTime() - DAY_MS);
  const name = (commonName: string): DistinguishedName => [
    {type: 'countryName', value: 'SE'},
    {type: 'organizationName', value: 'SITHS Demo'},
    {type: 'commonName', value: commonName},
  ];
  const root = await createCertificateAuthority({
    name: name('SITHS Demo Root CA v2'),
    keyAlgorithm: 'ecc-p384',
    notBefore: dayBefore,
    notAfter: years(20),
  });
  const issuing = async (commonName: string) =>
    createCertificateAuthority({
      name: name(commonName),
      keyAlgorithm: 'ecc-p256',
      parent: root,
      pathLength: 0,
      notBefore: dayBefore,
      notAfter: years(10),
    });
  const hsaId = await issuing('SITHS Demo e-id HSA-id CA v2');
  const personnummer = await issuing('SITHS Demo e-id Personnummer CA v2');
  const old = await createCertificateAuthority({
    name: name('SITHS Demo Type 3 CA v1 (old)'),
    keyAlgorithm: 'rsa-2048',
    notBefore: dayBefore,
    notAfter: years(5),
  });
  // The maker's attestation root of the virtual PIV cards (Yubico's PIV root CA on a real YubiKey).
  const attestation = await createCertificateAuthority({
    name: name('Virtual PIV Maker Attestation Root CA'),
    keyAlgorithm: 'ecc-p256',
    notBefore: dayBefore,
    notAfter: years(20),
  });
  return {root, 'hsa-id': hsaId, personnummer, old, attestation};
}

/** Every file of the setup but config.json: certificates, keys and secrets (private/, 0600), directory, terms. */
async function writeDemoFiles(
  directory: string,
  authorities: Record<string, CertificateAuthorityCredential>,
  server: CertificateAuthorityCredential,
): Promise<void> {
  const write = (path: string, content: string, mode = 0o644) =>
    writeFile(join(directory, path), content, {mode});
  await mkdir(join(directory, 'authorities'));
  await mkdir(join(directory, 'tls'));
  await mkdir(join(directory, 'private'), {mode: 0o700});
  await chmod(join(directory, 'private'), 0o700);
  for (const [id, credential] of Object.entries(authorities)) {
    await write(`authorities/${id}.pem`, pem(credential.certificate));
    if (id !== 'root') await write(`private/${id}.key`, privatePem(credential), 0o600);
  }
  await write('tls/server.pem', pem(server.certificate));
  await write('private/server.key', privatePem(server), 0o600);
  await write('private/management-master.key', `${randomBytes(32).toString('hex')}\n`, 0o600);
  await write(`private/card-${DEMO_FIXED_KEY_CARD}.key`, `${FACTORY_MANAGEMENT_KEY}\n`, 0o600);
  await write('directory.json', `${JSON.stringify({persons: DEMO_PERSONS}, null, 2)}\n`);
  await write('terms.json', `${JSON.stringify(DEMO_TERMS, null, 2)}\n`);
}

/** The demo's config.json, naming the files writeDemoFiles wrote. */
function demoConfig(options: {keyAlgorithm?: KeyAlgorithm; port?: number}): ConfigFile {
  return {
    listen: {host: '127.0.0.1', port: options.port ?? 8443},
    tls: {
      certificate: 'tls/server.pem',
      privateKey: 'private/server.key',
      caCertificate: 'authorities/root.pem',
    },
    store: 'service.sqlite',
    directory: 'directory.json',
    terms: 'terms.json',
    authorities: [
      {id: 'root', certificate: 'authorities/root.pem'},
      {id: 'hsa-id', certificate: 'authorities/hsa-id.pem', privateKey: 'private/hsa-id.key'},
      {
        id: 'personnummer',
        certificate: 'authorities/personnummer.pem',
        privateKey: 'private/personnummer.key',
      },
      {id: 'old', certificate: 'authorities/old.pem', privateKey: 'private/old.key'},
    ],
    root: 'root',
    loginTrustAnchors: ['root', 'old'],
    issuers: {'hsa-id': 'hsa-id', personnummer: 'personnummer'},
    attestation: {
      roots: [{certificate: 'authorities/attestation.pem', privateKey: 'private/attestation.key'}],
    },
    plans: {
      piv: DEFAULT_PIV_PLAN.map((item) => ({
        ...item,
        keyAlgorithm: options.keyAlgorithm ?? item.keyAlgorithm,
      })),
      'siths-eid': [...DEFAULT_SITHS_EID_PLAN],
    },
    certificateValidityDays: 730,
    crlValidityDays: 7,
    sessionMinutes: 30,
    managementKeys: {
      masterSecret: 'private/management-master.key',
      fixed: {[DEMO_FIXED_KEY_CARD]: `private/card-${DEMO_FIXED_KEY_CARD}.key`},
    },
  };
}

/** The TLS server certificate: localhost, 127.0.0.1 and ::1, serverAuth, under the root. */
async function serverCredential(
  root: CertificateAuthorityCredential,
  notBefore: Date,
  notAfter: Date,
): Promise<CertificateAuthorityCredential> {
  const privateKey = await generatePrivateKey('ecc-p256');
  const certificate = await issueCertificate({
    subject: [
      {type: 'countryName', value: 'SE'},
      {type: 'organizationName', value: 'SITHS Demo'},
      {type: 'commonName', value: 'localhost'},
    ],
    subjectPublicKey: exportPublicKey(privateKey),
    issuer: root,
    serialNumber: randomSerialNumber(),
    notBefore,
    notAfter,
    extensions: {
      keyUsage: [KeyUsage.DigitalSignature],
      extendedKeyUsage: [EKU_SERVER_AUTH],
      subjectAltName: {dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1']},
    },
  });
  return {certificate, privateKey};
}

function pem(der: Uint8Array): string {
  return new X509Certificate(der).toString();
}

function privatePem(credential: CertificateAuthorityCredential): string {
  return credential.privateKey.export({type: 'pkcs8', format: 'pem'}).toString();
}
