import type {ReaderView} from './state.js';

/** Which reader to open: one, a question to the user (several hold a card), or wait for a card. */
export type ReaderChoice =
  {readonly kind: 'reader'; readonly name: string} | {readonly kind: 'ask'} | {readonly kind: 'wait'};

/**
 * The reader to open (step 2). With a preferred reader (--reader, the settings), as yubico-piv-tool's -r: the
 * exact name, or the first reader whose name contains it, once it holds a card. Without one: the only reader that
 * holds a card, or ask when several do. Pure.
 */
export function readerChoice(readers: readonly ReaderView[], preferred: string | undefined): ReaderChoice {
  if (preferred !== undefined) {
    const reader =
      readers.find((r) => r.name === preferred) ?? readers.find((r) => r.name.includes(preferred));
    return reader?.hasCard ? {kind: 'reader', name: reader.name} : {kind: 'wait'};
  }
  const withCard = readers.filter((reader) => reader.hasCard);
  if (withCard.length === 1) return {kind: 'reader', name: withCard[0]!.name};
  return withCard.length > 1 ? {kind: 'ask'} : {kind: 'wait'};
}

/** The preferred reader when no reader matches it (as readerChoice matches: the name, or a part of it). */
export function missingReader(
  readers: readonly ReaderView[],
  preferred: string | undefined,
): string | undefined {
  if (preferred === undefined) return undefined;
  return readers.some((reader) => reader.name === preferred || reader.name.includes(preferred))
    ? undefined
    : preferred;
}
