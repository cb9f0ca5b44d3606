import { Server, ServerCredentials } from '@grpc/grpc-js';

const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** Passes request bytes through untouched, so the sink spends no CPU on decoding. */
function passThrough(bytes: Buffer): Buffer {
  return bytes;
}

/**
 * An OTLP/gRPC endpoint for the benchmark's exporter: it counts Export requests and their bytes
 * and returns an empty, successful response to each. Runs in the benchmark's own process, not
 * in Faultline's.
 */
export class ExportSink {
  requests = 0;
  bytes = 0;
  private readonly server = new Server();

  /** Starts listening on 127.0.0.1 port 0 and returns host:port. */
  async start(): Promise<string> {
    this.server.addService(
      {
        Export: {
          path: EXPORT_PATH,
          requestStream: false,
          responseStream: false,
          requestSerialize: passThrough,
          requestDeserialize: passThrough,
          responseSerialize: passThrough,
          responseDeserialize: passThrough,
        },
      },
      {
        Export: (call: { request: Buffer }, callback: (error: null, response: Buffer) => void) => {
          this.requests += 1;
          this.bytes += call.request.length;
          callback(null, Buffer.alloc(0));
        },
      },
    );
    const port = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, boundPort) => {
        if (error === null) resolve(boundPort);
        else reject(error);
      });
    });
    return `127.0.0.1:${port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.tryShutdown(() => resolve()));
  }
}
