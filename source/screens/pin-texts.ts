import type {CardOverview, OperationResult, PinChoice, PinRequest} from '../upgrade/state.js';
import type {Catalogue} from './i18n/catalogue.js';

/**
 * The texts that name a PIN, shared by the screens and the plain lines: on a card with two PINs each is named
 * as the staff instruction names it ("Pinkod för Legitimering", "Pinkod för Underskrift"); on a PIV card (one
 * PIN) the texts stay those of one PIN.
 */

/** The prompt for a PIN request: the chosen PIN named (change, unblock on a two-PIN card), else by reason. */
export function pinPrompt(t: Catalogue, request: Pick<PinRequest, 'reason' | 'role'>): string {
  const {reason, role} = request;
  if (role !== undefined && (reason === 'current-pin' || reason === 'new-pin' || reason === 'puk'))
    return t.pin.namedPrompts[reason](t.pin.names[role]);
  return t.pin.prompts[reason];
}

/** The PINs' tries left (or blocked) as lines: one for a PIV card, one per PIN for a card with two. */
export function pinStateLines(t: Catalogue, card: CardOverview): string[] {
  if (card.pinCount === 1)
    return [card.pinTriesLeft === 0 ? t.overview.pinBlocked : t.overview.pinTries(card.pinTriesLeft)];
  const line = (name: string, tries: number | undefined) =>
    tries === 0 ? t.overview.namedPinBlocked(name) : t.overview.namedPinTries(name, tries ?? 0);
  return [
    line(t.pin.names.authentication, card.pinTriesLeft),
    ...(card.signaturePinTriesLeft === undefined
      ? []
      : [line(t.pin.names.signature, card.signaturePinTriesLeft)]),
  ];
}

/** Whether a PIN of the card is blocked (either, on a card with two). */
export function isAnyPinBlocked(card: CardOverview): boolean {
  return card.pinTriesLeft === 0 || card.signaturePinTriesLeft === 0;
}

/** The result of a PIN change or unblock, naming the PIN on a card with two. */
export function pinResultText(
  t: Catalogue,
  result: Extract<OperationResult, {type: 'pin-changed' | 'pin-unblocked'}>,
): string {
  if (result.role === undefined)
    return result.type === 'pin-changed' ? t.results.pinChanged : t.results.pinUnblocked;
  const name = t.pin.names[result.role];
  return result.type === 'pin-changed' ? t.results.namedPinChanged(name) : t.results.namedPinUnblocked(name);
}

/** Each PIN with its tries left (or blocked), for the screen and the plain lines. */
export function pinChoiceLabels(t: Catalogue, choices: readonly PinChoice[]): string[] {
  return choices.map(({role, triesLeft}) => {
    const name = t.pin.names[role];
    if (triesLeft === 0) return t.overview.namedPinBlocked(name);
    return triesLeft === undefined ? name : t.overview.namedPinTries(name, triesLeft);
  });
}
