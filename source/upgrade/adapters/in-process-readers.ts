import {TransportError} from '../../apdu/transports/errors.js';
import {InProcessTransport} from '../../apdu/transports/in-process.js';
import type {CardEndpoint, Transport} from '../../apdu/transports/transport.js';
import type {CardPort, CardReaders} from '../ports.js';
import type {ReaderView} from '../state.js';

interface Slot {
  endpoint: CardEndpoint | undefined;
  /** Bumped on every removal, so a transport opened before it stays dead after a re-insert. */
  generation: number;
}

/**
 * Readers in this process, holding in-process cards (the virtual card): the demo's reader and the tests'. Cards
 * are inserted and removed by calling insert()/remove(); a removed card's open transports fail with
 * TransportError 'card-removed', as PC/SC reports a card pulled out.
 */
export class InProcessReaders implements CardReaders {
  readonly #slots = new Map<string, Slot>();
  readonly #watchers = new Set<(readers: readonly ReaderView[]) => void>();
  readonly #openCard: (transport: Transport) => Promise<CardPort>;

  /** `openCard` opens the card profile (e.g. the PIV session) over a transport to the inserted card. */
  constructor(openCard: (transport: Transport) => Promise<CardPort>, readerNames: readonly string[] = []) {
    this.#openCard = openCard;
    for (const name of readerNames) this.#slots.set(name, {endpoint: undefined, generation: 0});
  }

  /** Puts a card in the reader `name` (adding the reader when it is new). */
  insert(name: string, endpoint: CardEndpoint): void {
    const slot = this.#slots.get(name) ?? {endpoint: undefined, generation: 0};
    slot.endpoint = endpoint;
    this.#slots.set(name, slot);
    this.#notify();
  }

  /** Takes the card out of the reader `name`. */
  remove(name: string): void {
    const slot = this.#slots.get(name);
    if (slot === undefined) return;
    slot.endpoint = undefined;
    slot.generation++;
    this.#notify();
  }

  async list(): Promise<readonly ReaderView[]> {
    return this.#views();
  }

  watch(onChange: (readers: readonly ReaderView[]) => void): () => void {
    this.#watchers.add(onChange);
    return () => this.#watchers.delete(onChange);
  }

  /** Opens the card in `name`. Rejects with TransportError 'no-card' when the reader is empty or unknown. */
  async open(name: string): Promise<CardPort> {
    const slot = this.#slots.get(name);
    const endpoint = slot?.endpoint;
    if (slot === undefined || endpoint === undefined) {
      throw new TransportError('no-card', `no card in reader ${name}`);
    }
    const generation = slot.generation;
    const isPresent = () => slot.generation === generation && slot.endpoint === endpoint;
    const guarded: CardEndpoint = {
      reset: () => {
        if (!isPresent()) throw new TransportError('card-removed', 'the card was removed');
        return endpoint.reset();
      },
      powerOff: () => {
        if (isPresent()) endpoint.powerOff();
      },
      process: (apdu) => {
        if (!isPresent()) return Promise.reject(new TransportError('card-removed', 'the card was removed'));
        return endpoint.process(apdu);
      },
    };
    return this.#openCard(new InProcessTransport(guarded, {readerName: name}));
  }

  #views(): ReaderView[] {
    return [...this.#slots].map(([name, slot]) => ({name, hasCard: slot.endpoint !== undefined}));
  }

  #notify(): void {
    const views = this.#views();
    for (const watcher of this.#watchers) watcher(views);
  }
}
