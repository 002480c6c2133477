import {
  cardVerdict,
  type CardOverview,
  type CertificateView,
  type EngineState,
  type OperationResult,
  type ServiceCertificateView,
} from '../upgrade/state.js';
import {errorText} from './error-text.js';
import type {Catalogue} from './i18n/catalogue.js';
import {MENU_OPERATIONS} from './menu.js';
import {pinChoiceLabels, pinResultText, pinStateLines} from './pin-texts.js';
import {isTimeLeftKnown} from './progress.js';
import {warningText} from './warning-line.js';

/**
 * The plain mode (--plain): the same steps as lines of text, printed as the engine moves, never redrawn; for
 * screen readers, logs and non-terminals. These functions are pure; the CLI prints what they return and asks
 * the questions.
 */

/** A certificate as one line. */
function certificateLine(t: Catalogue, certificate: CertificateView, now: Date, isAgeShown = true): string {
  const date = t.formatDate(certificate.notAfter);
  const expiry = certificate.notAfter <= now ? t.overview.expired(date) : t.overview.validUntil(date);
  const what = `${t.purposes[certificate.purpose]} (${t.identityKinds[certificate.identityKind]})`;
  const age = certificate.isNew ? t.overview.isNew : t.overview.isOld;
  return `  ${certificate.slotName} ${what}, ${expiry}${isAgeShown ? `, ${age}` : ''}`;
}

function serviceCertificateLine(t: Catalogue, certificate: ServiceCertificateView): string {
  const what = `${t.purposes[certificate.purpose]} (${t.identityKinds[certificate.identityKind]})`;
  const expiry = t.overview.validUntil(t.formatDate(certificate.notAfter));
  return `${what}, ${t.results.certificateStatus[certificate.status]}, ${expiry}, ${t.results.serial(certificate.serial)}`;
}

export interface PlainLinesOptions {
  /**
   * What the session does at a failure, where it differs from the screens (which go on by themselves when the
   * card comes back): ask r/q (`retry`) or end (`runAgain`). The way forward for a removed card then says so.
   */
  readonly onFailure?: 'retry' | 'runAgain';
}

/** The card overview as lines. */
function cardLines(t: Catalogue, card: CardOverview, now: Date): string[] {
  return [
    `${t.overview.holder}: ${card.holder ?? t.overview.unknown}`,
    `${t.overview.hsaId}: ${card.hsaId ?? t.overview.unknown}`,
    `${t.overview.cardNumber}: ${card.cardNumber ?? t.overview.unknown}`,
    card.certificates.length === 0 ? t.overview.noCertificates : t.overview.certificates,
    ...card.certificates.map((certificate) => certificateLine(t, certificate, now)),
    t.overview.verdicts[cardVerdict(card)],
    ...pinStateLines(t, card),
  ];
}

/** A finished operation's result as lines. */
function resultLines(t: Catalogue, result: OperationResult, now: Date): string[] {
  switch (result.type) {
    case 'status':
      return [t.results.status, ...cardLines(t, result.card, now)];
    case 'certificates-listed':
      return result.certificates.length === 0
        ? [t.results.noCertificates]
        : [
            t.results.certificatesListed,
            ...result.certificates.map((c) => `  ${serviceCertificateLine(t, c)}`),
          ];
    case 'e-id-tested':
      return [
        t.results.eIdWorks(result.certificate.slotName),
        certificateLine(t, result.certificate, now),
        ...(result.isTrusted ? [] : [t.results.eIdNotTrusted]),
        ...(result.signature === undefined
          ? []
          : [
              t.results.eIdSignatureWorks(result.signature.certificate.slotName),
              certificateLine(t, result.signature.certificate, now),
              ...(result.signature.isTrusted ? [] : [t.results.eIdNotTrusted]),
            ]),
      ];
    case 'pin-changed':
    case 'pin-unblocked':
      return [pinResultText(t, result)];
    case 'certificates-refetched':
      return [
        t.results.refetched(result.certificates.length),
        ...result.certificates.map((certificate) => certificateLine(t, certificate, now)),
      ];
    case 'certificate-revoked':
      return [t.results.revoked(result.serial)];
  }
}

/** Numbered choices (the menu, the readers, the certificates), to answer by number. */
export function choiceLines(labels: readonly string[]): string[] {
  return labels.map((label, index) => `  ${index + 1}. ${label}`);
}

/** The labels of the menu, in the menu's order. */
export function menuLabels(t: Catalogue): string[] {
  return MENU_OPERATIONS.map((operation) => t.menu.operations[operation]);
}

/** The labels of the certificates offered for revocation. */
function certificateChoiceLabels(t: Catalogue, certificates: readonly ServiceCertificateView[]): string[] {
  return certificates.map((certificate) => serviceCertificateLine(t, certificate));
}

/** The percentage of the progress, in steps of ten, for the plain progress line. */
function decile(fraction: number): number {
  return Math.floor(Math.min(1, Math.max(0, fraction)) * 10) * 10;
}

/**
 * The lines to print when the engine moves from `previous` to `next`: a new step's number and title, the new
 * screen's content, a progress line every ten per cent or on a new activity, new warnings. Nothing for a change
 * that shows nothing new (a progress tick within the same ten per cent), so logs stay short.
 */
export function plainLines(
  t: Catalogue,
  previous: EngineState | undefined,
  next: EngineState,
  now: Date,
  options: PlainLinesOptions = {},
): string[] {
  const lines: string[] = [];
  const isNewScreen = previous === undefined || previous.type !== next.type;
  if (previous === undefined || previous.step !== next.step) {
    lines.push(`[${next.step}/10] ${t.steps[next.step].title}`);
  }
  switch (next.type) {
    case 'idle':
      if (isNewScreen) {
        lines.push(t.welcome.youNeed, `  ${t.welcome.needCard}`, `  ${t.welcome.needPins}`);
        lines.push(t.welcome.pinsWhere, t.welcome.duration);
      }
      break;
    case 'waiting-for-card': {
      const readers = next.readers.map((r) => `${r.name}:${r.hasCard}`).join('|');
      const before =
        previous?.type === 'waiting-for-card'
          ? previous.readers.map((r) => `${r.name}:${r.hasCard}`).join('|')
          : undefined;
      if (isNewScreen) lines.push(t.insertCard.instruction);
      // The screen's first state comes before the engine has listed the readers: the list follows it.
      const isListed = previous?.type === 'waiting-for-card';
      if (
        isListed &&
        (readers !== before ||
          next.readers.length === 0 ||
          (!previous.isChoosingReader && next.isChoosingReader))
      ) {
        if (next.readers.length === 0) lines.push(t.insertCard.noReaders);
        else if (next.isChoosingReader) lines.push(t.insertCard.chooseReader);
        else {
          lines.push(t.insertCard.readers);
          for (const reader of next.readers) {
            lines.push(`  ${reader.name} (${reader.hasCard ? t.insertCard.hasCard : t.insertCard.noCard})`);
          }
        }
      }
      break;
    }
    case 'reading-card':
      if (isNewScreen) lines.push(t.insertCard.reading);
      break;
    case 'card-ready':
      if (isNewScreen) lines.push(...cardLines(t, next.card, now));
      break;
    case 'awaiting-pin': {
      const request = next.request;
      if (isNewScreen || (previous?.type === 'awaiting-pin' && previous.request.reason !== request.reason)) {
        if (request.reason === 'login') lines.push(next.pinCount === 1 ? t.pin.onePin : t.pin.twoPins);
        if (request.reason === 'signature') lines.push(t.pin.signatureWhy);
        if (request.reason === 'new-pin') lines.push(t.pin.newPinRule);
      }
      if (previous?.type === 'awaiting-pin' && previous.request === request) break;
      if (request.wasRejected)
        lines.push(request.rejection === 'bad-format' ? t.pin.badFormat : t.pin.wrongCode);
      if (request.triesLeft !== undefined && !request.isLastTryConfirmed)
        lines.push(t.pin.triesLeft(request.triesLeft));
      if (request.isLastTry && !request.isLastTryConfirmed)
        lines.push(request.reason === 'puk' ? t.pin.lastPukTry : t.pin.lastTry);
      break;
    }
    case 'logging-in':
      if (isNewScreen) lines.push(t.working.loggingIn);
      break;
    case 'working':
      if (isNewScreen || (previous?.type === 'working' && previous.activity !== next.activity)) {
        lines.push(`${t.menu.operations[next.operation]}: ${t.activities[next.activity]}`);
      }
      break;
    case 'menu':
      if (isNewScreen) {
        lines.push(t.menu.loggedInAs(next.identity.name, next.identity.hsaId), t.menu.heading);
        lines.push(...choiceLines(menuLabels(t)));
      }
      break;
    case 'awaiting-terms':
      if (isNewScreen) {
        lines.push(t.terms.version(next.terms.version), t.terms.plan(next.plan.length), '');
        lines.push(
          ...next.terms.text.split(/\r?\n/),
          '',
          next.card?.pinCount === 2 ? t.terms.haveYourPins : t.terms.haveYourPin,
        );
      }
      break;
    case 'upgrading': {
      const progress = next.progress;
      const before = previous?.type === 'upgrading' ? previous : undefined;
      if (before === undefined) lines.push(`*** ${t.progress.warning} ***`);
      const isNewLine =
        before === undefined ||
        before.step !== next.step ||
        before.progress.currentItem?.slot !== progress.currentItem?.slot ||
        decile(before.progress.fraction) !== decile(progress.fraction);
      if (isNewLine) {
        const item = progress.currentItem;
        const parts = [
          `${decile(progress.fraction)} %`,
          t.activities[progress.activity],
          ...(item === undefined
            ? []
            : [
                t.progress.workingOn(
                  item.slotName,
                  `${t.purposes[item.purpose]} (${t.identityKinds[item.identityKind]})`,
                ),
              ]),
          t.progress.elapsed(t.formatDuration(progress.elapsedMs)),
          isTimeLeftKnown(progress)
            ? t.progress.remaining(t.formatDuration(progress.estimatedRemainingMs))
            : t.progress.remainingUnknown,
        ];
        lines.push(parts.join(' | '));
      }
      for (const certificate of next.installed.slice(before?.installed.length ?? 0)) {
        lines.push(`${t.progress.installed(next.installed.indexOf(certificate) + 1, next.plan.length)}:`);
        lines.push(certificateLine(t, certificate, now, false));
      }
      break;
    }
    case 'choosing-certificate':
      if (isNewScreen) {
        lines.push(
          t.results.chooseCertificate,
          ...choiceLines(certificateChoiceLabels(t, next.certificates)),
        );
      }
      break;
    case 'choosing-pin':
      if (isNewScreen)
        lines.push(t.pin.choosePin[next.operation], ...choiceLines(pinChoiceLabels(t, next.choices)));
      break;
    case 'operation-result':
      if (isNewScreen || (previous?.type === 'operation-result' && previous.result !== next.result)) {
        lines.push(...resultLines(t, next.result, now));
      }
      break;
    case 'done':
      if (isNewScreen) {
        lines.push(t.done.heading);
        if (next.installed.length > 0) {
          lines.push(t.done.newCertificates);
          lines.push(...next.installed.map((certificate) => certificateLine(t, certificate, now, false)));
        }
        lines.push(t.done.removeCard);
      }
      break;
    case 'failed':
      if (isNewScreen || (previous?.type === 'failed' && previous.error !== next.error)) {
        const {title, detail} = errorText(t, next.error);
        const wayForward =
          next.wayForward === 'reinsert-card' && options.onFailure !== undefined
            ? t.errorScreen.reinsertCard[options.onFailure]
            : t.wayForward[next.wayForward];
        lines.push(`${title}.`, detail, `${t.errorScreen.wayForward} ${wayForward}`);
      }
      break;
  }
  const seen = previous?.warnings ?? [];
  const isSameList =
    next.warnings.length >= seen.length && seen.every((warning, index) => next.warnings[index] === warning);
  for (const warning of next.warnings.slice(isSameList ? seen.length : 0)) {
    if (warning.code !== 'not-now') lines.push(`! ${warningText(t, warning)}`);
  }
  return lines;
}
