import {expect} from 'vitest';
import {equalBytes} from '../../../source/apdu/tlv.js';
import {InProcessTransport} from '../../../source/apdu/transports/in-process.js';
import {
  credentialsOf,
  fidOf,
  readApplication,
  referencedPathsOf,
  withFid,
} from '../../../source/card/pkcs15/application.js';
import {Pkcs15Session} from '../../../source/card/pkcs15/session.js';
import {parseCertificate, verifyChain} from '../../../source/pki/certificate.js';
import type {IdentityKind, Purpose} from '../../../source/upgrade/state.js';
import {HOLDER, type EidWorld} from './world.js';

/**
 * The two-PIN card as the upgrade leaves it, read without the engine: the PKCS#15 directories through the tool's
 * own reader (source/card/pkcs15/application.ts), the files and keys through the virtual card's view of itself.
 */

/** One credential, by what it is rather than where its files happen to be. */
export interface EidCredentialShape {
  readonly slot: number;
  /** The PIN its PrKDF entry's authId names. */
  readonly pin: 'authentication' | 'signature';
  readonly hasUserConsent: boolean;
  readonly usage: readonly string[];
  readonly identity: IdentityKind;
  readonly purpose: Purpose;
}

/** What two upgraded cards must have in common, whatever the file identifiers: compare it with toEqual. */
export interface EidLayoutShape {
  readonly credentials: readonly EidCredentialShape[];
  /** Files in the application DF: ODF, TokenInfo, the directories, the trusted CA's certificate, keys, certificates. */
  readonly fileCount: number;
}

/**
 * The new credentials of the SITHS EID plan: personnummer in key references 03 and 04, HSA-id in 05 and 06; the
 * signature keys under the Underskrift PIN with userConsent.
 */
export const UPGRADED_SLOTS: readonly EidCredentialShape[] = [
  {
    slot: 3,
    pin: 'authentication',
    hasUserConsent: false,
    usage: ['sign'],
    identity: 'personnummer',
    purpose: 'authentication',
  },
  {
    slot: 4,
    pin: 'signature',
    hasUserConsent: true,
    usage: ['nonRepudiation'],
    identity: 'personnummer',
    purpose: 'signature',
  },
  {
    slot: 5,
    pin: 'authentication',
    hasUserConsent: false,
    usage: ['sign'],
    identity: 'hsa-id',
    purpose: 'authentication',
  },
  {
    slot: 6,
    pin: 'signature',
    hasUserConsent: true,
    usage: ['nonRepudiation'],
    identity: 'hsa-id',
    purpose: 'signature',
  },
];

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex').toUpperCase();

/**
 * Checks that the card holds exactly the upgraded credentials and nothing else: the four new keys and certificates in
 * key references 03 to 06, the PrKDF entries of 04 and 06 with userConsent under the Underskrift PIN's authId and
 * those of 03 and 05 under the Legitimering PIN's, each certificate for the key in its key file and chaining to the
 * service's CAs; the old credential (key files 4B01, 4B02, certificates 4331, 4332) gone; every file of the
 * application DF named by the ODF or a directory (no key or certificate left by a torn run), but for the spare of a
 * directory that the card refuses to delete.
 * Returns the certificates by slot and the layout's shape.
 */
export async function checkUpgradedEidCard(
  world: EidWorld,
): Promise<{readonly certificates: ReadonlyMap<number, Uint8Array>; readonly shape: EidLayoutShape}> {
  const session = Pkcs15Session.open(new InProcessTransport(world.card));
  try {
    const application = await readApplication(session);
    const view = world.card.inspect();
    const credentials = credentialsOf(application);
    const certificates = new Map<number, Uint8Array>();
    const shapes: EidCredentialShape[] = [];
    for (const credential of credentials) {
      const {key, keyPath, certificatePath} = credential;
      const slot = key.keyReference!;
      expect(certificatePath, `key reference ${slot} has a certificate`).toBeDefined();
      const der = await session.readFile(certificatePath!);
      const details = parseCertificate(der);
      verifyChain(der, world.trust.intermediates, world.trust.anchors, {date: new Date()});
      expect(details.cardNumber).toBe(HOLDER.cardNumber);
      const isHsaId = details.hsaId !== undefined;
      expect(isHsaId ? details.hsaId : details.personnummer).toBe(
        isHsaId ? HOLDER.hsaId : HOLDER.personnummer,
      );
      const cardKey = view.keys.get(hex(keyPath));
      expect(cardKey?.keyReference, `the key file of ${slot} holds a key`).toBe(slot);
      expect(hex(details.subjectPublicKeyInfo), `the certificate in ${slot} is for the key there`).toBe(
        hex(cardKey!.publicKey),
      );
      const isUnderSignaturePin = equalBytes(key.authId!, application.pins.signature.authId);
      if (!isUnderSignaturePin)
        expect(hex(key.authId!), `${slot} is under a PIN`).toBe(hex(application.pins.authentication.authId));
      certificates.set(slot, der);
      shapes.push({
        slot,
        pin: isUnderSignaturePin ? 'signature' : 'authentication',
        hasUserConsent: (key.userConsent ?? 0) > 0,
        usage: key.usage,
        identity: isHsaId ? 'hsa-id' : 'personnummer',
        purpose: details.purpose!,
      });
    }
    shapes.sort((a, b) => a.slot - b.slot);
    expect(shapes).toEqual(UPGRADED_SLOTS);

    // Every file in the application DF is one a directory names; the old credential's files are gone.
    const prefix = hex(application.path);
    const files = [...view.files.keys()].filter(
      (path) => path.startsWith(prefix) && path.length === prefix.length + 4,
    );
    const named = new Set([
      `${prefix}5031`,
      `${prefix}5032`,
      ...referencedPathsOf(application).map(hex),
      ...credentials.map((credential) => hex(credential.keyPath)),
    ]);
    // Beside each rewritten directory its spare (fid XOR 10, the first of commitDirectories' masks) may stay, and
    // only because the card never lets anyone delete it: the fixture's directories allow no DELETE FILE, and a spare
    // takes the access rules of the directory it replaces. Anything else no directory names is a leftover.
    const spares = [application.privateKeys.path, application.certificates.path].map((path) =>
      hex(withFid(path, fidOf(path) ^ 0x10)),
    );
    const unnamed = files.filter((path) => !named.has(path));
    expect(
      unnamed.filter((path) => !spares.includes(path)),
      'files no directory names',
    ).toEqual([]);
    for (const path of unnamed)
      await expect(
        session.deleteFile(Buffer.from(path, 'hex')),
        `the card refuses to delete the spare ${path}`,
      ).rejects.toMatchObject({sw: 0x6986});
    for (const old of ['4B01', '4B02', '4331', '4332'])
      expect(files, `the old credential's ${old} is gone`).not.toContain(`${prefix}${old}`);
    // No directory entry without its credential (a torn deletion's leftovers).
    expect(application.privateKeys.entries).toHaveLength(credentials.length);
    expect(application.certificates.entries).toHaveLength(credentials.length);
    return {certificates, shape: {credentials: shapes, fileCount: files.length}};
  } finally {
    await session.close();
  }
}
