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

/** The state's type (a discriminated union member), for the per-screen functions below. */
type StateOf<Type extends EngineState['type']> = Extract<EngineState, {type: Type}>;

/** Step 2: the instruction, then the readers whenever the list changes (or the user must choose one). */
function waitingForCardLines(
  t: Catalogue,
  previous: EngineState | undefined,
  next: StateOf<'waiting-for-card'>,
): string[] {
  const lines: string[] = [];
  if (previous?.type !== 'waiting-for-card') lines.push(t.insertCard.instruction);
  // The screen's first state comes before the engine has listed the readers: the list follows it.
  if (!next.isListed || previous?.type !== 'waiting-for-card') return lines;
  const readers = next.readers.map((r) => `${r.name}:${r.hasCard}`).join('|');
  const before = previous.readers.map((r) => `${r.name}:${r.hasCard}`).join('|');
  if (
    readers !== before ||
    next.readers.length === 0 ||
    (!previous.isChoosingReader && next.isChoosingReader)
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
  return lines;
}

/** A PIN question: why it is asked (on a new question), a rejected code, the tries left, a last try. */
function awaitingPinLines(
  t: Catalogue,
  previous: EngineState | undefined,
  next: StateOf<'awaiting-pin'>,
): string[] {
  const lines: string[] = [];
  const request = next.request;
  if (previous?.type !== 'awaiting-pin' || previous.request.reason !== request.reason) {
    if (request.reason === 'login') lines.push(next.pinCount === 1 ? t.pin.onePin : t.pin.twoPins);
    if (request.reason === 'signature') lines.push(t.pin.signatureWhy);
    if (request.reason === 'new-pin') lines.push(t.pin.newPinRule);
  }
  if (previous?.type === 'awaiting-pin' && previous.request === request) return lines;
  if (request.wasRejected) lines.push(request.rejection === 'bad-format' ? t.pin.badFormat : t.pin.wrongCode);
  if (request.triesLeft !== undefined && !request.isLastTryConfirmed)
    lines.push(t.pin.triesLeft(request.triesLeft));
  if (request.isLastTry && !request.isLastTryConfirmed)
    lines.push(request.reason === 'puk' ? t.pin.lastPukTry : t.pin.lastTry);
  return lines;
}

/** Step 5: the terms' version, the plan's size, the text and the PIN reminder. */
function termsLines(next: StateOf<'awaiting-terms'>, t: Catalogue): string[] {
  return [
    t.terms.version(next.terms.version),
    t.terms.plan(next.plan.length),
    '',
    ...next.terms.text.split(/\r?\n/),
    '',
    next.card?.pinCount === 2 ? t.terms.haveYourPins : t.terms.haveYourPin,
  ];
}

/** One progress line: per cent, activity, the item worked on, time elapsed and left. */
function progressLine(t: Catalogue, progress: StateOf<'upgrading'>['progress']): string {
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
  return parts.join(' | ');
}

/**
 * Steps 6 to 9: the warning once, a progress line every ten per cent or on a new step or item, each certificate
 * as it is installed.
 */
function upgradingLines(
  t: Catalogue,
  previous: EngineState | undefined,
  next: StateOf<'upgrading'>,
  now: Date,
): string[] {
  const lines: string[] = [];
  const progress = next.progress;
  const before = previous?.type === 'upgrading' ? previous : undefined;
  if (before === undefined) lines.push(`*** ${t.progress.warning} ***`);
  const isNewLine =
    before === undefined ||
    before.step !== next.step ||
    before.progress.currentItem?.slot !== progress.currentItem?.slot ||
    decile(before.progress.fraction) !== decile(progress.fraction);
  if (isNewLine) lines.push(progressLine(t, progress));
  for (const certificate of next.installed.slice(before?.installed.length ?? 0)) {
    lines.push(`${t.progress.installed(next.installed.indexOf(certificate) + 1, next.plan.length)}:`);
    lines.push(certificateLine(t, certificate, now, false));
  }
  return lines;
}

/** Step 10: done, the new certificates, remove the card. */
function doneLines(t: Catalogue, next: StateOf<'done'>, now: Date): string[] {
  return [
    t.done.heading,
    ...(next.installed.length === 0
      ? []
      : [
          t.done.newCertificates,
          ...next.installed.map((certificate) => certificateLine(t, certificate, now, false)),
        ]),
    t.done.removeCard,
  ];
}

/** A failure: what went wrong, the detail and the way forward (as the session goes on, for a removed card). */
function failedLines(t: Catalogue, next: StateOf<'failed'>, options: PlainLinesOptions): string[] {
  const {title, detail} = errorText(t, next.error);
  const wayForward =
    next.wayForward === 'reinsert-card' && options.onFailure !== undefined
      ? t.errorScreen.reinsertCard[options.onFailure]
      : t.wayForward[next.wayForward];
  return [`${title}.`, detail, `${t.errorScreen.wayForward} ${wayForward}`];
}

/** The screen's own lines for a move from `previous` to `next` (without the step title and the warnings). */
function screenLines(
  t: Catalogue,
  previous: EngineState | undefined,
  next: EngineState,
  now: Date,
  options: PlainLinesOptions,
): string[] {
  const isNewScreen = previous === undefined || previous.type !== next.type;
  const onNewScreen = (lines: () => string[]) => (isNewScreen ? lines() : []);
  switch (next.type) {
    case 'idle':
      return onNewScreen(() => [
        t.welcome.youNeed,
        `  ${t.welcome.needCard}`,
        `  ${t.welcome.needPins}`,
        t.welcome.pinsWhere,
        t.welcome.duration,
      ]);
    case 'waiting-for-card':
      return waitingForCardLines(t, previous, next);
    case 'reading-card':
      return onNewScreen(() => [t.insertCard.reading]);
    case 'card-ready':
      return onNewScreen(() => cardLines(t, next.card, now));
    case 'awaiting-pin':
      return awaitingPinLines(t, previous, next);
    case 'logging-in':
      return onNewScreen(() => [t.working.loggingIn]);
    case 'working':
      return isNewScreen || (previous?.type === 'working' && previous.activity !== next.activity)
        ? [`${t.menu.operations[next.operation]}: ${t.activities[next.activity]}`]
        : [];
    case 'menu':
      return onNewScreen(() => [
        t.menu.loggedInAs(next.identity.name, next.identity.hsaId),
        t.menu.heading,
        ...choiceLines(menuLabels(t)),
      ]);
    case 'awaiting-terms':
      return onNewScreen(() => termsLines(next, t));
    case 'upgrading':
      return upgradingLines(t, previous, next, now);
    case 'choosing-certificate':
      return onNewScreen(() => [
        t.results.chooseCertificate,
        ...choiceLines(certificateChoiceLabels(t, next.certificates)),
      ]);
    case 'choosing-pin':
      return onNewScreen(() => [
        t.pin.choosePin[next.operation],
        ...choiceLines(pinChoiceLabels(t, next.choices)),
      ]);
    case 'operation-result':
      return isNewScreen || (previous?.type === 'operation-result' && previous.result !== next.result)
        ? resultLines(t, next.result, now)
        : [];
    case 'done':
      return onNewScreen(() => doneLines(t, next, now));
    case 'failed':
      return isNewScreen || (previous?.type === 'failed' && previous.error !== next.error)
        ? failedLines(t, next, options)
        : [];
  }
}

/** The warnings `next` adds to those of `previous` (all of them when the list was replaced), but "not now". */
function newWarningLines(t: Catalogue, previous: EngineState | undefined, next: EngineState): string[] {
  const seen = previous?.warnings ?? [];
  const isSameList =
    next.warnings.length >= seen.length && seen.every((warning, index) => next.warnings[index] === warning);
  return next.warnings
    .slice(isSameList ? seen.length : 0)
    .filter((warning) => warning.code !== 'not-now')
    .map((warning) => `! ${warningText(t, warning)}`);
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
  const title =
    previous === undefined || previous.step !== next.step
      ? [`[${next.step}/10] ${t.steps[next.step].title}`]
      : [];
  return [...title, ...screenLines(t, previous, next, now, options), ...newWarningLines(t, previous, next)];
}
