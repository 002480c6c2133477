import type {OperationContext} from './context.js';

/** Status: the card read again, shown as the operation's result. No PIN, no service. */
export async function showStatus(context: OperationContext): Promise<void> {
  context.emit({type: 'operationStarted', operation: 'status', activity: 'reading-card'});
  const overview = await context.readCard('cardRefreshed');
  context.emit({type: 'operationCompleted', result: {type: 'status', card: overview}});
}
