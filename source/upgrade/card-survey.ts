import {
  describeCertificate,
  isIssuedUnder,
  toCertificateView,
  type CertificateFacts,
  type TrustStore,
} from './certificate-facts.js';
import {DEFAULT_PIN_TRIES} from './pin-holder.js';
import type {CardPort} from './ports.js';
import {slotName, type CardOverview} from './state.js';

/** A certificate read from the card, in its slot. */
export interface SlotFacts {
  readonly slot: number;
  readonly facts: CertificateFacts;
}

/** What reading the card found (step 2): its overview for the screens and the certificates by slot. */
export interface CardSurvey {
  readonly overview: CardOverview;
  readonly facts: readonly SlotFacts[];
}

/**
 * Reads the card's identity, certificates and PIN tries in one exclusive hold. A certificate that does not parse
 * is left out and told to `onUnreadable`.
 */
export async function surveyCard(
  card: CardPort,
  trust: TrustStore,
  now: Date,
  onUnreadable: (slot: number, error: unknown) => void,
): Promise<CardSurvey> {
  const read = await card.exclusive(async () => ({
    identity: await card.readIdentity(),
    certificates: await card.readCertificates(),
    pinTriesLeft: await card.pinTriesLeft(),
    signaturePinTriesLeft: card.pinCount === 2 ? await card.pinTriesLeft('signature') : undefined,
  }));
  const facts: SlotFacts[] = [];
  for (const {slot, certificate} of read.certificates) {
    try {
      facts.push({slot, facts: describeCertificate(certificate)});
    } catch (error) {
      onUnreadable(slot, error);
    }
  }
  const cardNumber = read.identity.cardNumber ?? read.identity.cardId;
  // A verified PIN's counter is back at its maximum, which PIV does not tell: 3 on YubiKeys
  // (docs/piv-card.md section 4).
  const pinTriesLeft = read.pinTriesLeft ?? DEFAULT_PIN_TRIES;
  const signaturePinTriesLeft =
    card.pinCount === 2 ? (read.signaturePinTriesLeft ?? DEFAULT_PIN_TRIES) : undefined;
  const overview = cardOverview({card, cardNumber, facts, pinTriesLeft, signaturePinTriesLeft, trust, now});
  return {overview, facts};
}

/** The fields of the support log's 'cardSurveyed' entry: identifiers, never certificate contents. */
export function surveyLogFields(survey: CardSurvey): Record<string, unknown> {
  const {overview} = survey;
  return {
    reader: overview.readerName,
    cardNumber: overview.cardNumber,
    certificates: survey.facts.map(({slot, facts}) => ({
      slot: slotName(slot),
      serial: facts.serial,
      issuer: facts.issuerName,
    })),
    pinTriesLeft: overview.pinTriesLeft,
    signaturePinTriesLeft: overview.signaturePinTriesLeft,
  };
}

/** The card as the screens show it. Pure. */
export function cardOverview(read: {
  readonly card: Pick<CardPort, 'readerName' | 'pinCount'>;
  readonly cardNumber: string;
  readonly facts: readonly SlotFacts[];
  readonly pinTriesLeft: number;
  readonly signaturePinTriesLeft: number | undefined;
  readonly trust: TrustStore;
  readonly now: Date;
}): CardOverview {
  const {card, facts, trust, now, signaturePinTriesLeft} = read;
  const views = facts.map(({slot, facts: f}) => toCertificateView(f, slot, isIssuedUnder(f, trust, now)));
  const authentication =
    facts.find(({slot, facts: f}) => slot === 0x9a && f.purpose === 'authentication') ??
    facts.find(({facts: f}) => f.purpose === 'authentication');
  const hsaId = facts.find(({facts: f}) => f.hsaId !== undefined)?.facts.hsaId;
  const isNew = (identity: string, purpose: string) =>
    views.some((view) => view.isNew && view.identityKind === identity && view.purpose === purpose);
  return {
    readerName: card.readerName,
    holder: authentication?.facts.subjectName,
    hsaId,
    cardNumber: read.cardNumber,
    certificates: views,
    pinTriesLeft: read.pinTriesLeft,
    isUpgraded:
      views.length > 0 &&
      views.every((view) => view.isNew) &&
      isNew('hsa-id', 'authentication') &&
      isNew('hsa-id', 'signature') &&
      isNew('personnummer', 'authentication') &&
      isNew('personnummer', 'signature'),
    pinCount: card.pinCount,
    ...(signaturePinTriesLeft === undefined ? {} : {signaturePinTriesLeft}),
  };
}
