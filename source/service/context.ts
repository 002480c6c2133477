import type {Authorities} from './authorities.js';
import type {ServiceSettings} from './config.js';
import type {Directory} from './directory.js';
import type {Store} from './store/store.js';

/** What every part of the running service shares. */
export interface ServiceContext {
  readonly settings: ServiceSettings;
  /** Every state that matters lives here, so that any number of instances on one store act as one service. */
  readonly store: Store;
  readonly now: () => Date;
  readonly directory: Directory;
  readonly authorities: Authorities;
  /** The base URL put in certificates (CRL distribution point, AIA), without a trailing slash. */
  readonly publicUrl: () => string;
}
