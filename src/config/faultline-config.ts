import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { alertmanagerSchema, type AlertmanagerConfig } from '../alerting/config.js';
import { parseStatusApiConfig, type StatusApiConfig } from '../api/config.js';
import { errorCorrelationSchema, type ErrorCorrelationConfig } from '../correlation/config.js';
import { parseExporters, type ExporterConfig } from '../exporter/config.js';
import { receiverConfigSchema, type ReceiverConfig } from '../receiver/config.js';
import { recoverySchema, type RecoveryConfig } from '../recovery/config.js';
import { ConfigError, parseSection } from './errors.js';
import { expandEnv } from './expand-env.js';

/**
 * Faultline's configuration in the OpenTelemetry Collector's layout: components are declared
 * under `receivers`, `processors`, `exporters` and `extensions`, and the `service` section
 * wires them. Each component validates its own section; this file checks the wiring.
 */

const RECEIVER_TYPES = ['otlp'] as const;
const PROCESSOR_TYPES = ['errorcorrelation'] as const;
const EXTENSION_TYPES = ['status_api', 'recovery', 'alertmanager'] as const;
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

const componentList = z.array(z.string({ error: 'must be a list of component names' }), {
  error: 'must be a list of component names',
});

const documentSchema = z.strictObject({
  receivers: z.record(z.string(), z.unknown(), { error: 'must be a map of receivers' }).default({}),
  processors: z.record(z.string(), z.unknown(), { error: 'must be a map of processors' }).default({}),
  exporters: z.record(z.string(), z.unknown(), { error: 'must be a map of exporters' }).default({}),
  extensions: z.record(z.string(), z.unknown(), { error: 'must be a map of extensions' }).default({}),
  service: z
    .strictObject({
      /** Extensions to start, by name; a configured extension not listed here does not start. */
      extensions: componentList.default([]),
      pipelines: z.strictObject({
        /** The one pipeline Faultline runs; it must use the otlp receiver and the errorcorrelation processor. */
        traces: z.strictObject({
          receivers: componentList.default([]),
          processors: componentList.default([]),
          exporters: componentList.default([]),
        }),
      }),
      telemetry: z
        .strictObject({
          logs: z
            .strictObject({
              /** Log level of Faultline's own logs. Default `info`. */
              level: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
            })
            .prefault({}),
        })
        .prefault({}),
    })
    .prefault({ pipelines: { traces: {} } }),
});

export interface FaultlineConfig {
  receiver: ReceiverConfig;
  errorCorrelation: ErrorCorrelationConfig;
  /** Undefined when `service.extensions` does not list `status_api`. */
  statusApi: StatusApiConfig | undefined;
  /** Undefined when `service.extensions` does not list `recovery`. */
  recovery: RecoveryConfig | undefined;
  /** Undefined when `service.extensions` does not list `alertmanager`. */
  alertmanager: AlertmanagerConfig | undefined;
  /** The exporters `service.pipelines.traces.exporters` lists, in its order; empty when it lists none. */
  exporters: ExporterConfig[];
  logLevel: (typeof LOG_LEVELS)[number];
}

/** Reads, expands and validates a config file. Throws ConfigError with every problem found. */
export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): FaultlineConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseConfigText(text, env, path);
}

/** Parses and validates config text; `source` names it in error messages. */
export function parseConfigText(text: string, env: NodeJS.ProcessEnv = process.env, source = 'config'): FaultlineConfig {
  let document: unknown;
  try {
    document = parseYaml(text, { prettyErrors: true, maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigError(`${source} is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  if (document === null || document === undefined) document = {};
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError(`${source} must be a YAML map with receivers, processors, exporters, extensions and service`);
  }
  return buildConfig(expandEnv(document, env), env);
}

function buildConfig(input: unknown, env: NodeJS.ProcessEnv): FaultlineConfig {
  const document = parseSection(documentSchema, input, '');
  const pipeline = document.service.pipelines.traces;
  const problems: string[] = [];

  checkTypes(problems, 'receivers', Object.keys(document.receivers), RECEIVER_TYPES);
  checkTypes(problems, 'processors', Object.keys(document.processors), PROCESSOR_TYPES);
  checkTypes(problems, 'extensions', Object.keys(document.extensions), EXTENSION_TYPES);
  checkReferences(problems, 'service.pipelines.traces.receivers', pipeline.receivers, 'receivers', document.receivers);
  checkReferences(problems, 'service.pipelines.traces.processors', pipeline.processors, 'processors', document.processors);
  checkReferences(problems, 'service.pipelines.traces.exporters', pipeline.exporters, 'exporters', document.exporters);
  checkReferences(problems, 'service.extensions', document.service.extensions, 'extensions', document.extensions);
  if (!pipeline.receivers.includes('otlp')) problems.push('service.pipelines.traces.receivers must include otlp');
  if (!pipeline.processors.includes('errorcorrelation')) {
    problems.push('service.pipelines.traces.processors must include errorcorrelation, the processor that finds root causes');
  }
  const receiver = collectProblems(problems, () => parseSection(receiverConfigSchema, document.receivers['otlp'], 'receivers.otlp'));
  const errorCorrelation = collectProblems(problems, () =>
    parseSection(errorCorrelationSchema, document.processors['errorcorrelation'], 'processors.errorcorrelation'),
  );
  const statusApi = document.service.extensions.includes('status_api')
    ? collectProblems(problems, () => parseStatusApiConfig(document.extensions['status_api'], 'extensions.status_api', env))
    : undefined;
  const exporters = collectProblems(problems, () => parseExporters(document.exporters, pipeline.exporters));
  const recovery = document.service.extensions.includes('recovery')
    ? collectProblems(problems, () => parseSection(recoverySchema, document.extensions['recovery'], 'extensions.recovery'))
    : undefined;
  const alertmanager = document.service.extensions.includes('alertmanager')
    ? collectProblems(problems, () => parseSection(alertmanagerSchema, document.extensions['alertmanager'], 'extensions.alertmanager'))
    : undefined;

  if (problems.length > 0 || receiver === undefined || errorCorrelation === undefined) {
    throw new ConfigError(problems.join('\n'));
  }
  return { receiver, errorCorrelation, statusApi, recovery, alertmanager, exporters: exporters ?? [], logLevel: document.service.telemetry.logs.level };
}

/** Runs one section's parse, adding its ConfigError to `problems` so every section is reported at once. */
function collectProblems<T>(problems: string[], parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(error.message);
    return undefined;
  }
}

function checkTypes(problems: string[], section: string, names: string[], supported: readonly string[]): void {
  for (const name of names) {
    if (supported.includes(name)) continue;
    problems.push(`${section}.${name} is not a supported component; supported: ${supported.join(', ')}`);
  }
}

function checkReferences(
  problems: string[],
  key: string,
  names: string[],
  section: string,
  declared: Record<string, unknown>,
): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) problems.push(`${key} lists ${JSON.stringify(name)} twice`);
    seen.add(name);
    if (!(name in declared)) problems.push(`${key} names ${JSON.stringify(name)}, which is not declared in ${section}`);
  }
}
