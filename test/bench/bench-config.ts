/**
 * Returns the Faultline config the benchmark runs with: every listener on 127.0.0.1 port 0, a
 * 1 s wait window, and default buffer limits.
 */
export function benchConfigYaml(): string {
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

extensions:
  status_api:
    endpoint: 127.0.0.1:0

service:
  extensions: [status_api]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [errorcorrelation]
  telemetry:
    logs:
      # info, because the "faultline listening" line that carries the bound ports is logged at
      # info; Faultline logs nothing per span at info.
      level: info
`;
}
