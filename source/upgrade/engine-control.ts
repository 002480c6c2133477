import type {UpgradeEngine} from './engine.js';

/**
 * What the screens and the plain-lines session need of the engine: its state and the user's intents. The
 * engine implements it; the CLI's DeferredEngine stands in for it while the engine is being made.
 */
export type EngineControl = Pick<
  UpgradeEngine,
  | 'getState'
  | 'subscribe'
  | 'start'
  | 'chooseReader'
  | 'logIn'
  | 'chooseOperation'
  | 'submitPin'
  | 'confirmLastTry'
  | 'acceptTerms'
  | 'chooseCertificate'
  | 'choosePin'
  | 'cancel'
  | 'retry'
>;
