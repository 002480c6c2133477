import type {EngineControl} from '../../source/upgrade/engine-control.js';
import {initialState, reduce, type EngineEvent, type EngineState} from '../../source/upgrade/state.js';

/** A command the screens sent, with its argument (a PIN is recorded as its digits, then zeroed). */
export type SentCommand = {readonly name: string; readonly argument?: unknown};

/**
 * The engine's state machine without a card or service: the test plays engine events through the real
 * reducer (source/upgrade/state.ts) and reads the commands the screens sent.
 */
export class ScriptedEngine implements EngineControl {
  readonly commands: SentCommand[] = [];
  /** The PIN buffers handed over, kept to check they are zeroed by the engine side. */
  readonly pinBuffers: Uint8Array[] = [];
  #state: EngineState;
  readonly #listeners = new Set<() => void>();

  constructor(state: EngineState = initialState) {
    this.#state = state;
  }

  /** Folds events into the state, as the engine does, and tells the screens. */
  play(...events: EngineEvent[]): void {
    for (const event of events) this.#state = reduce(this.#state, event);
    for (const listener of this.#listeners) listener();
  }

  names(): string[] {
    return this.commands.map((command) => command.name);
  }

  getState = (): EngineState => this.#state;
  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };
  start = (): void => this.#record('start');
  chooseReader = (name: string): void => this.#record('chooseReader', name);
  logIn = (): void => this.#record('logIn');
  chooseOperation = (operation: Parameters<EngineControl['chooseOperation']>[0]): void =>
    this.#record('chooseOperation', operation);
  submitPin = (pin: Uint8Array): void => {
    this.commands.push({name: 'submitPin', argument: new TextDecoder().decode(pin)});
    this.pinBuffers.push(pin);
    pin.fill(0);
  };
  confirmLastTry = (): void => this.#record('confirmLastTry');
  acceptTerms = (): void => this.#record('acceptTerms');
  chooseCertificate = (serial: string): void => this.#record('chooseCertificate', serial);
  choosePin = (role: Parameters<EngineControl['choosePin']>[0]): void => this.#record('choosePin', role);
  cancel = (): void => this.#record('cancel');
  retry = (): void => this.#record('retry');

  #record(name: string, argument?: unknown): void {
    this.commands.push(argument === undefined ? {name} : {name, argument});
  }
}
