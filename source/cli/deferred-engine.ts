import type {EngineControl} from '../upgrade/engine-control.js';
import type {UpgradeEngine} from '../upgrade/engine.js';
import type {PinRole} from '../upgrade/ports.js';
import {initialState, type EngineState} from '../upgrade/state.js';

/**
 * The engine as the screens see it while its parts are still being made (the demo's CA and card take a second or
 * two): the welcome screen shows at once from the initial state, and a start() pressed early runs when the engine
 * is ready. Other commands cannot come before start().
 */
export class DeferredEngine implements EngineControl {
  #engine: UpgradeEngine | undefined;
  #isStartWanted = false;
  /** Each listener, with its unsubscribe from the real engine once there is one. */
  readonly #listeners = new Map<() => void, (() => void) | undefined>();

  /** Hands over the real engine; listeners move to it. */
  ready(engine: UpgradeEngine): void {
    this.#engine = engine;
    for (const listener of this.#listeners.keys()) this.#listeners.set(listener, engine.subscribe(listener));
    if (this.#isStartWanted) engine.start();
    for (const listener of this.#listeners.keys()) listener();
  }

  get engine(): UpgradeEngine | undefined {
    return this.#engine;
  }

  getState = (): EngineState => this.#engine?.getState() ?? initialState;

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.set(listener, this.#engine?.subscribe(listener));
    return () => {
      this.#listeners.get(listener)?.();
      this.#listeners.delete(listener);
    };
  };

  start = (): void => {
    if (this.#engine === undefined) this.#isStartWanted = true;
    else this.#engine.start();
  };

  chooseReader = (name: string): void => this.#engine?.chooseReader(name);
  logIn = (): void => this.#engine?.logIn();
  chooseOperation: EngineControl['chooseOperation'] = (operation) => this.#engine?.chooseOperation(operation);
  submitPin = (pin: Uint8Array): void => {
    if (this.#engine === undefined) pin.fill(0);
    else this.#engine.submitPin(pin);
  };
  confirmLastTry = (): void => this.#engine?.confirmLastTry();
  acceptTerms = (): void => this.#engine?.acceptTerms();
  chooseCertificate = (serial: string): void => this.#engine?.chooseCertificate(serial);
  choosePin = (role: PinRole): void => this.#engine?.choosePin(role);
  cancel = (): void => this.#engine?.cancel();
  retry = (): void => this.#engine?.retry();
}
