import {
  DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  OnModuleDestroy,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { InjectConnection, MongooseModule } from '@nestjs/mongoose';
import {
  type HealthIndicatorResult,
  HealthIndicatorService,
  MongooseHealthIndicator,
} from '@nestjs/terminus';
import type { Connection } from 'mongoose';
import { Counter } from 'prom-client';
import { z } from 'zod';
import { APP_CONFIG, mongoUrlSchema } from '../config/config';
import { HealthService } from '../health/health.service';
import { Metrics } from '../observability/metrics';
import { monitorWedged } from './database.rules';

/** Variables of an app that owns a MongoDB database. */
export const databaseConfigSchema = z.object({
  /** Server URL; the database name comes from MONGO_DB, not from the URL path. */
  MONGO_URL: mongoUrlSchema.default('mongodb://127.0.0.1:27017/'),
  /** Database name; defaults to the app's own (`accounts`, `orders`, `fulfillment`). */
  MONGO_DB: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_-]{0,62}$/, 'letters, digits, - and _ only')
    .optional(),
  /** How often the driver's monitor checks the server (its heartbeatFrequencyMS). */
  MONGO_HEARTBEAT_MS: z.coerce.number().int().min(500).default(10_000),
  /** Bound on opening a connection, the monitor's checks included (connectTimeoutMS). */
  MONGO_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(500).default(10_000),
});

type DatabaseConfig = z.infer<typeof databaseConfigSchema>;

@Injectable()
class DatabaseHealth implements OnModuleInit {
  constructor(
    @InjectConnection() private readonly connection: Connection,
    private readonly health: HealthService,
    private readonly mongoose: MongooseHealthIndicator,
    private readonly indicators: HealthIndicatorService,
  ) {}

  onModuleInit(): void {
    this.health.register({
      name: 'mongo',
      readiness: true,
      liveness: false,
      check: (key) => this.check(key),
    });
  }

  /**
   * A real ping first: it finds a server that died since the driver's last heartbeat, and its
   * error (or the 2 s timeout) is the component's error. terminus' mongoose indicator then
   * checks that mongoose itself holds the connection as open.
   */
  private async check(key: string): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    const db = this.connection.db;
    if (!db) return indicator.down({ error: 'not connected' });
    await db.admin().ping();
    const open = await this.mongoose.pingCheck(key, { connection: this.connection });
    if (open[key]?.status !== 'up') return indicator.down({ error: 'not connected' });
    return indicator.up({ database: db.databaseName });
  }
}

/**
 * `mongodb_commands_total{command}`: every command this app sends its database (find,
 * findAndModify, update, insert, delete, …; the driver's command monitoring). It shows what a
 * request or an event costs in round trips, the figure the write path is judged by.
 */
@Injectable()
class DatabaseMetrics implements OnModuleInit {
  constructor(
    @InjectConnection() private readonly connection: Connection,
    @Optional() private readonly metrics?: Metrics,
  ) {}

  onModuleInit(): void {
    if (!this.metrics) return;
    const commands = new Counter({
      name: 'mongodb_commands_total',
      help: 'Commands sent to the database, by command name',
      labelNames: ['command'],
      registers: [this.metrics.registry],
    });
    this.connection
      .getClient()
      .on('commandStarted', (event) => commands.inc({ command: event.commandName }));
  }
}

/**
 * Says when the driver loses its server and when it finds it again (SDAM's server description
 * going to and from Unknown), and heals a client whose server monitor has gone silent.
 *
 * The driver finds a restarted server through its monitor alone: a heartbeat every
 * `MONGO_HEARTBEAT_MS`, each bounded by `MONGO_CONNECT_TIMEOUT_MS`. Under chaos (a database
 * SIGKILLed and restarted on a loaded machine) one instance's monitor once stopped reporting
 * at all: no heartbeat, no failure, no reconnect attempt in the server's log for minutes, and
 * every operation failed server selection with the error of the crash. A monitor silent for
 * longer than any heartbeat can take is that state, and only a new topology leaves it: the
 * client is closed and connected again (`mongodb_client_reconnects_total`).
 */
@Injectable()
class DatabaseLink implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Database');
  private timer: NodeJS.Timeout | undefined;
  private lastHeartbeatAt = Date.now();
  private lostAt: number | undefined;
  private reconnecting = false;

  constructor(
    @InjectConnection() private readonly connection: Connection,
    @Inject(APP_CONFIG) private readonly config: DatabaseConfig,
    @Optional() private readonly metrics?: Metrics,
  ) {}

  onModuleInit(): void {
    const client = this.connection.getClient();
    client.on('serverDescriptionChanged', (event) => {
      const was = event.previousDescription.type;
      const now = event.newDescription.type;
      if (now === 'Unknown' && was !== 'Unknown') {
        this.lostAt = Date.now();
        this.logger.warn(
          `lost ${event.address}: ${event.newDescription.error?.message ?? 'no answer'}`,
        );
      } else if (now !== 'Unknown' && was === 'Unknown' && this.lostAt !== undefined) {
        this.logger.log(`${event.address} is back after ${Date.now() - this.lostAt} ms`);
        this.lostAt = undefined;
      }
    });
    const heard = (): void => {
      this.lastHeartbeatAt = Date.now();
    };
    client.on('serverHeartbeatStarted', heard);
    client.on('serverHeartbeatSucceeded', heard);
    client.on('serverHeartbeatFailed', heard);
    const reconnects = this.metrics
      ? new Counter({
          name: 'mongodb_client_reconnects_total',
          help: 'Times the database client was closed and connected again because its server monitor fell silent',
          registers: [this.metrics.registry],
        })
      : undefined;
    this.timer = setInterval(() => {
      const silentMs = Date.now() - this.lastHeartbeatAt;
      if (this.reconnecting || !monitorWedged(this.config, silentMs, this.lostAt !== undefined))
        return;
      reconnects?.inc();
      void this.reconnect(silentMs);
    }, this.config.MONGO_HEARTBEAT_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  private async reconnect(silentMs: number): Promise<void> {
    this.reconnecting = true;
    const client = this.connection.getClient();
    this.logger.error(
      `the driver's server monitor has been silent for ${silentMs} ms while the server is unknown: closing and connecting the client again`,
    );
    try {
      await client.close(true);
      await client.connect();
      this.lastHeartbeatAt = Date.now();
    } catch (error) {
      // The server may really be down; the next round tries again.
      this.logger.warn(`connecting the client again failed: ${(error as Error).message}`);
    } finally {
      this.reconnecting = false;
    }
  }
}

@Module({})
export class DatabaseModule {
  /** Connects to the app's own database, retrying with backoff while the server is not up. */
  static forRoot(defaultDbName: string): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        MongooseModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: DatabaseConfig) => ({
            uri: config.MONGO_URL,
            dbName: config.MONGO_DB ?? defaultDbName,
            serverSelectionTimeoutMS: 5000,
            heartbeatFrequencyMS: config.MONGO_HEARTBEAT_MS,
            connectTimeoutMS: config.MONGO_CONNECT_TIMEOUT_MS,
            retryAttempts: 30,
            retryDelay: 2000,
            // Command events for DatabaseMetrics.
            monitorCommands: true,
          }),
        }),
      ],
      providers: [DatabaseHealth, DatabaseMetrics, DatabaseLink],
    };
  }
}
