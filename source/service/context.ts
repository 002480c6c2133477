import type {Authorities} from './authorities.js';
import type {ServiceSettings} from './config.js';
import type {Directory} from './directory.js';
import type {StoreDatabase} from './store/database.js';
import type {WriteQueue} from './write-queue.js';

/** What every part of the running service shares. */
export interface ServiceContext {
  readonly settings: ServiceSettings;
  readonly db: StoreDatabase;
  readonly now: () => Date;
  readonly directory: Directory;
  readonly authorities: Authorities;
  readonly writes: WriteQueue;
  /** The base URL put in certificates (CRL distribution point, AIA), without a trailing slash. */
  readonly publicUrl: () => string;
}
