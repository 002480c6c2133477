import {connect, createServer, type AddressInfo, type Socket} from 'node:net';

/** A TCP load balancer listening on 127.0.0.1. */
export interface TcpBalancer {
  readonly port: number;
  /** Stops listening and cuts every connection. */
  close(): Promise<void>;
}

/**
 * A round-robin TCP balancer in front of service instances on 127.0.0.1: each connection goes to the next backend
 * port in turn, or to the one after when that one refuses (a stopped instance), and its bytes pass through
 * unchanged, so TLS ends at the instance. A backend that drops a connection drops the client's with it.
 */
export async function startTcpBalancer(backendPorts: readonly number[]): Promise<TcpBalancer> {
  const open = new Set<Socket>();
  let next = 0;
  const server = createServer({allowHalfOpen: true}, (client) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    relay(client, backendPorts, next++, backendPorts.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Connects `client` to backend `index` (modulo), trying the following ones while `tries` last. */
function relay(client: Socket, backendPorts: readonly number[], index: number, tries: number): void {
  const backend = connect({
    host: '127.0.0.1',
    port: backendPorts[index % backendPorts.length]!,
    allowHalfOpen: true,
  });
  let isConnected = false;
  const dropBackend = () => backend.destroy();
  client.once('close', dropBackend);
  backend.once('connect', () => {
    isConnected = true;
    client.pipe(backend);
    backend.pipe(client);
    backend.once('close', () => client.destroy());
  });
  backend.on('error', () => {
    client.off('close', dropBackend);
    backend.destroy();
    if (isConnected || tries <= 1 || client.destroyed) client.destroy();
    else relay(client, backendPorts, index + 1, tries - 1);
  });
}
