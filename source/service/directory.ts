import type {Identity} from '../protocol/common.js';
import type {CardView, PersonView} from '../protocol/session.js';
import type {DirectoryCard, DirectoryPerson} from './config.js';

/**
 * The directory of staff and their cards (from the directory file IT exports): who holds which card, and each
 * card's status. Read-only to the service: a status change arrives with a new directory file.
 */
export class Directory {
  readonly #byHsaId = new Map<string, DirectoryPerson>();
  readonly #byPersonnummer = new Map<string, DirectoryPerson>();
  readonly #cardHolder = new Map<string, {person: DirectoryPerson; card: DirectoryCard}>();

  constructor(persons: readonly DirectoryPerson[]) {
    for (const person of persons) {
      this.#byHsaId.set(person.hsaId, person);
      this.#byPersonnummer.set(person.personnummer, person);
      for (const card of person.cards) this.#cardHolder.set(card.number, {person, card});
    }
  }

  /** The person whose HSA-id or personnummer this is. */
  personByIdentity(identity: Identity, value: string): DirectoryPerson | undefined {
    return (identity === 'hsa-id' ? this.#byHsaId : this.#byPersonnummer).get(value);
  }

  personByHsaId(hsaId: string): DirectoryPerson | undefined {
    return this.#byHsaId.get(hsaId);
  }

  /** The card with this number and its holder. */
  card(cardNumber: string): {person: DirectoryPerson; card: DirectoryCard} | undefined {
    return this.#cardHolder.get(cardNumber);
  }
}

/** The value of a person's identity (the subject serialNumber of their certificates). */
export function identityValue(person: DirectoryPerson, identity: Identity): string {
  return identity === 'hsa-id' ? person.hsaId : person.personnummer;
}

/** "givenName surname", as in the certificates' CN. */
export function fullName(person: DirectoryPerson): string {
  return `${person.givenName} ${person.surname}`;
}

export function personView(person: DirectoryPerson): PersonView {
  return {
    hsaId: person.hsaId,
    personnummer: person.personnummer,
    givenName: person.givenName,
    surname: person.surname,
    name: fullName(person),
    organisation: person.organisation,
  };
}

export function cardView(card: DirectoryCard): CardView {
  return {number: card.number, status: card.status};
}
