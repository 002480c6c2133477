import type {CertificateFacts, TrustStore} from '../certificate-facts.js';
import type {CardPort, EngineDeps, PinRole, PinSource, ServiceSession} from '../ports.js';
import type {CardTimings} from '../progress-estimator.js';
import type {CardOverview, EngineEvent, Operation, PinReason} from '../state.js';

/** The questions an operation can wait on; the engine's commands answer them. */
export type PromptKind = 'pin' | 'terms' | 'reader' | 'certificate' | 'pin-choice';

/**
 * What an operation (one file each in this folder) gets from the engine: the open card, the ports, the engine's
 * domain state (the card as last read, the session) and the shared steps (PIN, login, reading the card). The
 * engine holds the state; an operation changes it only through these.
 */
export interface OperationContext {
  readonly card: CardPort;
  readonly deps: EngineDeps;
  readonly timings: CardTimings;
  /** Aborted by cancel(): the upgrade run checks it before each card step. */
  readonly signal: AbortSignal;
  /** The card as the engine last read it; undefined while another card is being read. */
  readonly cardRead: CardOverview | undefined;
  /** The certificates on the open card, by slot, as last read. */
  readonly slots: ReadonlyMap<number, CertificateFacts>;
  readonly trust: TrustStore;
  /** The PINs held for the card, for signers and key proofs. */
  readonly pinSource: PinSource;
  /**
   * PUK tries left as the card last said them, by card number, for the whole run (the last-try warning is not
   * lost when the person leaves the PUK prompt).
   */
  readonly pukTriesLeft: Map<string, number>;
  /** Serial of the certificate the session logged in with: its revocation ends the session at the service. */
  readonly sessionCertificateSerial: string | undefined;
  emit(event: EngineEvent): void;
  log(event: string, fields: Record<string, unknown>): void;
  /** Waits for the command that answers `kind`; cancel() rejects it. */
  ask<T>(kind: PromptKind): Promise<T>;
  /** Asks for a PIN, PUK or new PIN (state awaiting-pin). */
  askPin(
    reason: PinReason,
    triesLeft: number | undefined,
    rejection?: 'wrong-code' | 'bad-format',
    role?: PinRole,
  ): Promise<Uint8Array>;
  /** Asks for the PIN of `role` until the card accepts it, and holds it (a no-op when held). */
  verifiedPin(role?: PinRole): Promise<void>;
  /** The session, logging in first when there is none. */
  logIn(operation?: Operation): Promise<ServiceSession>;
  /** Reads the card again; shows it (cardRead) or updates it quietly (cardRefreshed). */
  readCard(show: 'cardRead' | 'cardRefreshed'): Promise<CardOverview>;
  /** Zeroes the held PINs. */
  clearPins(): void;
  /** Forgets the session (the service ended it). */
  endSession(): void;
  /** Warns that the command does not fit now. */
  notNow(): void;
}
