/** An OTLP/gRPC exporter the benchmark adds to Faultline's pipeline. */
export interface BenchExporter {
  endpoint: string;
  compression: 'gzip' | 'none';
}

/**
 * Returns the Faultline config the benchmark runs with: every listener on 127.0.0.1 port 0, a
 * 1 s wait window, default buffer limits, and the exporter when one is given.
 */
export function benchConfigYaml(exporter?: BenchExporter): string {
  const exporters =
    exporter === undefined
      ? ''
      : `exporters:\n  otlp/sink:\n    endpoint: ${exporter.endpoint}\n    tls: { insecure: true }\n    compression: ${exporter.compression}\n\n`;
  const pipelineExporters = exporter === undefined ? '' : '      exporters: [otlp/sink]\n';
  return `# Written by test/bench/run.ts for one benchmark run.
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
      http:
        endpoint: 127.0.0.1:0

processors:
  errorcorrelation:
    wait_duration: 1s

${exporters}extensions:
  status_api:
    endpoint: 127.0.0.1:0

service:
  extensions: [status_api]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [errorcorrelation]
${pipelineExporters}  telemetry:
    logs:
      # info, because the "faultline listening" line that carries the bound ports is logged at
      # info; Faultline logs nothing per span at info.
      level: info
`;
}
