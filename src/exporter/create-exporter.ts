import type { Logger } from 'pino';
import type { ExporterConfig } from './config.js';
import type { ExportTransport } from './export-transport.js';
import { GrpcTransport } from './grpc-transport.js';
import { HttpTransport } from './http-transport.js';
import { OtlpExporter } from './otlp-exporter.js';

/** Builds the exporter a config section describes, with the transport of its type. Opens no connection yet. */
export function createExporter(config: ExporterConfig, logger: Logger): OtlpExporter {
  const transport: ExportTransport = config.type === 'otlp' ? new GrpcTransport(config.settings) : new HttpTransport(config.settings);
  return new OtlpExporter({
    name: config.name,
    type: config.type,
    sendingQueue: config.settings.sending_queue,
    retryOnFailure: config.settings.retry_on_failure,
    transport,
    logger,
  });
}
