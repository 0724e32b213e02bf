/**
 * The instrumentations of `@opentelemetry/auto-instrumentations-node` 0.81 (its `InstrumentationMap`),
 * each with the class its package exports and the modules it patches (its module definitions' names),
 * so that it can be loaded when one of those is first required or imported (lazy-instrumentations.ts)
 * instead of all of them at start-up. Those without modules act without a require to hook: undici
 * (diagnostics channels), host metrics, the Lambda handler (found from the environment).
 * contrib-instrumentations.test.ts holds this table equal to what the installed packages declare.
 */

/** One contrib instrumentation. */
export interface ContribInstrumentation {
  /** Its package, also its key in the config map and in `OTEL_NODE_*_INSTRUMENTATIONS` (without the prefix). */
  readonly name: string;
  /** The class its package exports. */
  readonly export: string;
  /** The modules it patches: it is loaded when one of them is first required or imported. */
  readonly modules: readonly string[];
}

export const CONTRIB_INSTRUMENTATIONS: readonly ContribInstrumentation[] = [
  { name: '@opentelemetry/instrumentation-amqplib', export: 'AmqplibInstrumentation', modules: ['amqplib'] },
  { name: '@opentelemetry/instrumentation-aws-lambda', export: 'AwsLambdaInstrumentation', modules: [] },
  { name: '@opentelemetry/instrumentation-aws-sdk', export: 'AwsInstrumentation', modules: ['@aws-sdk/middleware-stack', '@smithy/middleware-stack', '@smithy/core', '@aws-sdk/smithy-client', '@smithy/smithy-client'] },
  { name: '@opentelemetry/instrumentation-bunyan', export: 'BunyanInstrumentation', modules: ['bunyan'] },
  { name: '@opentelemetry/instrumentation-cassandra-driver', export: 'CassandraDriverInstrumentation', modules: ['cassandra-driver'] },
  { name: '@opentelemetry/instrumentation-connect', export: 'ConnectInstrumentation', modules: ['connect'] },
  { name: '@opentelemetry/instrumentation-cucumber', export: 'CucumberInstrumentation', modules: ['@cucumber/cucumber'] },
  { name: '@opentelemetry/instrumentation-dataloader', export: 'DataloaderInstrumentation', modules: ['dataloader'] },
  { name: '@opentelemetry/instrumentation-dns', export: 'DnsInstrumentation', modules: ['dns', 'dns/promises'] },
  { name: '@opentelemetry/instrumentation-express', export: 'ExpressInstrumentation', modules: ['express'] },
  { name: '@opentelemetry/instrumentation-fs', export: 'FsInstrumentation', modules: ['fs', 'fs/promises'] },
  { name: '@opentelemetry/instrumentation-generic-pool', export: 'GenericPoolInstrumentation', modules: ['generic-pool'] },
  { name: '@opentelemetry/instrumentation-graphql', export: 'GraphQLInstrumentation', modules: ['graphql'] },
  { name: '@opentelemetry/instrumentation-grpc', export: 'GrpcInstrumentation', modules: ['@grpc/grpc-js'] },
  { name: '@opentelemetry/instrumentation-hapi', export: 'HapiInstrumentation', modules: ['@hapi/hapi'] },
  { name: '@opentelemetry/instrumentation-host-metrics', export: 'HostMetricsInstrumentation', modules: [] },
  { name: '@opentelemetry/instrumentation-http', export: 'HttpInstrumentation', modules: ['https', 'http'] },
  { name: '@opentelemetry/instrumentation-ioredis', export: 'IORedisInstrumentation', modules: ['ioredis'] },
  { name: '@opentelemetry/instrumentation-kafkajs', export: 'KafkaJsInstrumentation', modules: ['kafkajs'] },
  { name: '@opentelemetry/instrumentation-knex', export: 'KnexInstrumentation', modules: ['knex'] },
  { name: '@opentelemetry/instrumentation-koa', export: 'KoaInstrumentation', modules: ['koa'] },
  { name: '@opentelemetry/instrumentation-lru-memoizer', export: 'LruMemoizerInstrumentation', modules: ['lru-memoizer'] },
  { name: '@opentelemetry/instrumentation-memcached', export: 'MemcachedInstrumentation', modules: ['memcached'] },
  { name: '@opentelemetry/instrumentation-mongodb', export: 'MongoDBInstrumentation', modules: ['mongodb'] },
  { name: '@opentelemetry/instrumentation-mongoose', export: 'MongooseInstrumentation', modules: ['mongoose'] },
  { name: '@opentelemetry/instrumentation-mysql2', export: 'MySQL2Instrumentation', modules: ['mysql2'] },
  { name: '@opentelemetry/instrumentation-mysql', export: 'MySQLInstrumentation', modules: ['mysql'] },
  { name: '@opentelemetry/instrumentation-nestjs-core', export: 'NestInstrumentation', modules: ['@nestjs/core'] },
  { name: '@opentelemetry/instrumentation-net', export: 'NetInstrumentation', modules: ['net'] },
  { name: '@opentelemetry/instrumentation-openai', export: 'OpenAIInstrumentation', modules: ['openai'] },
  { name: '@opentelemetry/instrumentation-oracledb', export: 'OracleInstrumentation', modules: ['oracledb'] },
  { name: '@opentelemetry/instrumentation-pg', export: 'PgInstrumentation', modules: ['pg', 'pg-pool'] },
  { name: '@opentelemetry/instrumentation-pino', export: 'PinoInstrumentation', modules: ['pino'] },
  { name: '@opentelemetry/instrumentation-redis', export: 'RedisInstrumentation', modules: ['redis', '@redis/client', '@node-redis/client'] },
  { name: '@opentelemetry/instrumentation-restify', export: 'RestifyInstrumentation', modules: ['restify'] },
  { name: '@opentelemetry/instrumentation-router', export: 'RouterInstrumentation', modules: ['router'] },
  { name: '@opentelemetry/instrumentation-runtime-node', export: 'RuntimeNodeInstrumentation', modules: [] },
  { name: '@opentelemetry/instrumentation-socket.io', export: 'SocketIoInstrumentation', modules: ['socket.io'] },
  { name: '@opentelemetry/instrumentation-tedious', export: 'TediousInstrumentation', modules: ['tedious'] },
  { name: '@opentelemetry/instrumentation-undici', export: 'UndiciInstrumentation', modules: [] },
  { name: '@opentelemetry/instrumentation-winston', export: 'WinstonInstrumentation', modules: ['winston'] },
];

/** Off unless `OTEL_NODE_ENABLED_INSTRUMENTATIONS` names them, as in the contrib package. */
export const DEFAULT_EXCLUDED: ReadonlySet<string> = new Set(['@opentelemetry/instrumentation-fs', '@opentelemetry/instrumentation-host-metrics']);
