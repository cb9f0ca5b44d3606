import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';

/** Starts an HTTP server on `host:port` and returns the bound address as `host:port`. */
export function listenHttp(server: HttpServer, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      resolve(`${host}:${address.port}`);
    });
  });
}

/** Closes an HTTP server, ending idle keep-alive connections so the close does not wait for them. */
export function closeHttp(server: HttpServer): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/** Binds a gRPC server without TLS on `host:port` and returns the bound address as `host:port`. */
export function bindGrpc(server: grpc.Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (error, boundPort) => {
      if (error !== null) reject(error);
      else resolve(`${host}:${boundPort}`);
    });
  });
}

/** Stops a gRPC server, waiting for calls in flight up to `graceMs` before cancelling them. */
export function shutdownGrpc(server: grpc.Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    timer.unref();
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
