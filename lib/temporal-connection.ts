import { readFileSync } from 'node:fs';
import type { Tracer } from '@opentelemetry/api';
import { Connection, Client } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client/index.js';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from './config.js';
import { payloadDataConverter } from './payload-codec.js';

type TemporalConfig = Pick<
  Config,
  | 'TEMPORAL_ADDRESS'
  | 'TEMPORAL_NAMESPACE'
  | 'TEMPORAL_TLS'
  | 'TEMPORAL_TLS_CA_PATH'
  | 'TEMPORAL_TLS_CERT_PATH'
  | 'TEMPORAL_TLS_KEY_PATH'
  | 'TEMPORAL_TLS_SERVER_NAME'
  | 'TEMPORAL_API_KEY'
>;

type ClientConfig = TemporalConfig & Pick<Config, 'PAYLOAD_ENCRYPTION_KEYS'>;

/** Connection options shared by clients and workers: plain on loopback, TLS/mTLS and API key in production. */
function connectionOptions(config: TemporalConfig) {
  const mtls = config.TEMPORAL_TLS_CERT_PATH && config.TEMPORAL_TLS_KEY_PATH;
  const tlsWanted = config.TEMPORAL_TLS || Boolean(mtls) || Boolean(config.TEMPORAL_API_KEY);
  const tls = tlsWanted
    ? {
        serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME,
        serverRootCACertificate: config.TEMPORAL_TLS_CA_PATH ? readFileSync(config.TEMPORAL_TLS_CA_PATH) : undefined,
        clientCertPair: mtls
          ? { crt: readFileSync(config.TEMPORAL_TLS_CERT_PATH!), key: readFileSync(config.TEMPORAL_TLS_KEY_PATH!) }
          : undefined,
      }
    : undefined;
  return { address: config.TEMPORAL_ADDRESS, tls, apiKey: config.TEMPORAL_API_KEY };
}

/**
 * A client whose payloads are encrypted on the way to Temporal and decrypted on
 * the way back. With a tracer, each start, signal, update and query is a span
 * whose context travels to the workflow in its headers.
 */
export async function connectClient(config: ClientConfig, opts: { tracer?: Tracer } = {}): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(config));
  return new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: payloadDataConverter(config.PAYLOAD_ENCRYPTION_KEYS),
    interceptors: opts.tracer ? { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: opts.tracer })] } : undefined,
  });
}

export async function connectWorker(config: TemporalConfig): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(config));
}
