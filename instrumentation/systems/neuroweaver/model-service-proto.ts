import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** The gRPC service name of NeuroWeaver's API, as `rpc.service` reports it. */
export const MODEL_SERVICE_NAME = 'neuroweaver.v1.ModelService';

const PROTO_PATH = fileURLToPath(new URL('./neuroweaver.proto', import.meta.url));

export interface PredictRequest {
  model: string;
  prompt: string;
}

export interface PredictResponse {
  model: string;
  servedBy: string;
  output: string;
}

/** The generated client of `neuroweaver.v1.ModelService`; grpc-js adds `predict` at run time. */
export interface ModelServiceClient extends grpc.Client {
  predict(
    request: PredictRequest,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response?: PredictResponse) => void,
  ): grpc.ClientUnaryCall;
}

export type ModelServiceClientConstructor = new (address: string, credentials: grpc.ChannelCredentials) => ModelServiceClient;

/**
 * Loads neuroweaver.proto through `grpc.loadPackageDefinition`, the path the OpenTelemetry
 * gRPC instrumentation patches, and returns the service definition and a client constructor.
 */
export function loadModelService(): { definition: grpc.ServiceDefinition; Client: ModelServiceClientConstructor } {
  const packageDefinition = protoLoader.loadSync(PROTO_PATH, { defaults: true });
  const root = grpc.loadPackageDefinition(packageDefinition);
  const service = (root.neuroweaver as grpc.GrpcObject | undefined)?.v1 as grpc.GrpcObject | undefined;
  const constructor = service?.ModelService;
  if (typeof constructor !== 'function' || !('service' in constructor)) throw new Error(`neuroweaver.proto defines no ${MODEL_SERVICE_NAME}`);

  // The client's methods come from the proto at run time, so its static type is generic.
  return { definition: constructor.service, Client: constructor as unknown as ModelServiceClientConstructor };
}
