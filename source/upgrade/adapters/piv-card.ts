import type {TraceSink} from '../../apdu/trace.js';
import type {Transport} from '../../apdu/transports/transport.js';
import {FeatureNotSupportedError, PinRequiredError} from '../../card/errors.js';
import {Algorithm, PinPolicy as PivPinPolicy, Slot} from '../../card/piv/constants.js';
import {isCounted, isRetiredSlot} from '../../card/piv/layout.js';
import {PivSession} from '../../card/piv/session.js';
import type {Signer} from '../../pki/signer.js';
import type {
  CardIdentity,
  CardPort,
  KeyAlgorithm,
  KeyAttestation,
  ManagementKeyAuthenticator,
  PinPolicy,
  PinSource,
  SlotCertificate,
} from '../ports.js';

const ALGORITHM_OF: Readonly<Record<KeyAlgorithm, Algorithm>> = {
  'rsa-2048': Algorithm.Rsa2048,
  'ecc-p256': Algorithm.EccP256,
};

const PIN_POLICY_OF: Readonly<Record<PinPolicy, PivPinPolicy>> = {
  default: PivPinPolicy.Default,
  never: PivPinPolicy.Never,
  once: PivPinPolicy.Once,
  always: PivPinPolicy.Always,
};

/**
 * The engine's card port over a PIV card (source/card/piv/session.ts). A PIV card has one PIN for login and
 * signature (pinCount 1): every PIN role is that PIN. Slots are PIV key references.
 */
export class PivCard implements CardPort {
  readonly profile = 'piv';
  readonly pinCount = 1;
  readonly #session: PivSession;

  constructor(session: PivSession) {
    this.#session = session;
  }

  get readerName(): string {
    return this.#session.readerName;
  }

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.#session.exclusive(work);
  }

  async readIdentity(): Promise<CardIdentity> {
    const {cardNumber, cardId} = await this.#session.readIdentity();
    return {cardNumber, cardId};
  }

  async readCertificates(): Promise<readonly SlotCertificate[]> {
    return (await this.#session.readCertificates()).map(({slot, certificate}) => ({slot, certificate}));
  }

  /** Reads the card again (not the session's cache): this is the read-back after a write. */
  async readCertificate(slot: number): Promise<Uint8Array | undefined> {
    return (await this.#session.readCertificate(slot as Slot, {isFresh: true}))?.certificate;
  }

  readPublicKey(slot: number): Promise<Uint8Array | undefined> {
    return this.#session.readPublicKey(slot as Slot);
  }

  /** Tries left; undefined when the PIN is verified already (the card does not tell the count then). */
  async pinTriesLeft(): Promise<number | undefined> {
    const status = await this.#session.pinStatus();
    if (status.type === 'blocked') return 0;
    return status.type === 'unverified' ? status.triesLeft : undefined;
  }

  /** The PUK's tries left where the card tells (YubiKey 5.3+ metadata), else undefined. */
  pukTriesLeft(): Promise<number | undefined> {
    return this.#session.pukTriesLeft();
  }

  verifyPin(pin: Uint8Array): Promise<void> {
    return this.#session.verifyPin(pin);
  }

  changePin(current: Uint8Array, next: Uint8Array): Promise<void> {
    return this.#session.changePin(current, next);
  }

  unblockPin(puk: Uint8Array, next: Uint8Array): Promise<void> {
    return this.#session.unblockPin(puk, next);
  }

  authenticateManagementKey(authenticator: ManagementKeyAuthenticator): Promise<void> {
    return this.#session.authenticate(authenticator);
  }

  /**
   * Generates with the plan's PIN policy where the card offers policies (Yubico 4+); a card without them keeps
   * its own fixed policy per slot (9C always, as PIV requires).
   */
  async generateKey(slot: number, algorithm: KeyAlgorithm, pinPolicy: PinPolicy): Promise<Uint8Array> {
    try {
      return await this.#session.generateKey(slot as Slot, ALGORITHM_OF[algorithm], {
        pinPolicy: PIN_POLICY_OF[pinPolicy],
      });
    } catch (error) {
      if (!(error instanceof FeatureNotSupportedError) || pinPolicy === 'default') throw error;
      return this.#session.generateKey(slot as Slot, ALGORITHM_OF[algorithm]);
    }
  }

  /** The card's attestation of the key in `slot` with its F9 certificate (Yubico ATTEST), or undefined. */
  attestKey(slot: number): Promise<KeyAttestation | undefined> {
    return this.#session.attest(slot as Slot);
  }

  /**
   * The session's signer for `slot`. The session knows the PIN policy of a key it generated with a policy (the
   * GENERATE answer carried the public key, so nothing is read again); for any other key the policy comes from
   * the metadata, read first (once). Where a card cannot tell, a signature refused for want of the PIN
   * (PinRequiredError) is tried once more after a VERIFY with `pinProvider`'s PIN.
   */
  signer(slot: number, publicKey: Uint8Array, pins?: PinSource): Signer {
    const session = this.#session;
    // One PIN for every key: the authentication role's.
    const pinProvider = pins && (() => pins('authentication'));
    const inner = session.signer(slot as Slot, publicKey, pinProvider);
    return {
      publicKey: inner.publicKey,
      algorithm: inner.algorithm,
      async sign(toBeSigned) {
        if (!session.knowsPinPolicy(slot as Slot))
          await session.slotMetadata(slot as Slot).catch(() => undefined);
        try {
          return await inner.sign(toBeSigned);
        } catch (error) {
          if (!(error instanceof PinRequiredError) || pinProvider === undefined) throw error;
          return session.exclusive(async () => {
            await session.verifyPin(pinProvider());
            return inner.sign(toBeSigned);
          });
        }
      },
    };
  }

  writeCertificate(slot: number, certificate: Uint8Array): Promise<void> {
    return this.#session.writeCertificate(slot as Slot, certificate);
  }

  deleteCertificate(slot: number): Promise<void> {
    return this.#session.deleteCertificate(slot as Slot);
  }

  /**
   * Key History's on-card count must reach the highest retired slot holding a certificate (OpenSC reads 82.. up
   * to it; source/card/piv/layout.ts). A write torn after the certificate but before Key History leaves it short:
   * writing that certificate again makes the session count it. No APDU when the count is right (objects are cached).
   */
  async finishLayout(): Promise<void> {
    await this.#session.exclusive(async () => {
      const retired = (await this.#session.readCertificates()).filter(({slot}) => isRetiredSlot(slot));
      const highest = retired.at(-1);
      if (highest === undefined) return;
      const counted = (await this.#session.keyHistory())?.onCardCertificates ?? 0;
      if (!isCounted(highest.slot, counted)) {
        await this.#session.writeCertificate(highest.slot, highest.certificate);
      }
    });
  }

  async destroyKey(slot: number): Promise<void> {
    await this.#session.destroyKey(slot as Slot);
  }

  reconnect(): Promise<void> {
    return this.#session.reconnect();
  }

  close(): Promise<void> {
    return this.#session.close();
  }
}

/**
 * Opens the PIV application on the card behind `transport` as the engine's card port. `trace` receives the
 * redacted APDUs (--trace). Throws CardNotPivError ('not-a-piv-card') and TransportError.
 */
export async function openPivCard(
  transport: Transport,
  options: {trace?: TraceSink} = {},
): Promise<CardPort> {
  try {
    return new PivCard(await PivSession.open(transport, {trace: options.trace}));
  } catch (error) {
    await transport.close().catch(() => undefined);
    throw error;
  }
}
