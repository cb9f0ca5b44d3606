import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** The folder holding `opentelemetry/proto/...`, the root of the OTLP imports. */
const PROTO_DIR = fileURLToPath(new URL('../../proto/', import.meta.url));
const SERVICE_FILE = 'opentelemetry/proto/collector/trace/v1/trace_service.proto';
const PACKAGE = 'opentelemetry.proto.collector.trace.v1';

/** The OTLP message types the receiver reads and writes, loaded from `proto/` once per process. */
export interface OtlpProtoTypes {
  exportRequest: protobuf.Type;
  exportResponse: protobuf.Type;
}

let loaded: OtlpProtoTypes | undefined;

function loadTypes(): OtlpProtoTypes {
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    if (isAbsolute(target)) return target;
    return origin === '' ? join(PROTO_DIR, target) : join(PROTO_DIR, target.startsWith('opentelemetry/') ? target : join(dirname(origin), target));
  };
  root.loadSync(SERVICE_FILE);
  root.resolveAll();
  return {
    exportRequest: root.lookupType(`${PACKAGE}.ExportTraceServiceRequest`),
    exportResponse: root.lookupType(`${PACKAGE}.ExportTraceServiceResponse`),
  };
}

/** Returns the OTLP types, parsing the `.proto` files on the first call. */
export function otlpProtoTypes(): OtlpProtoTypes {
  loaded ??= loadTypes();
  return loaded;
}
