import { DynamicModule, Injectable, Module, OnModuleInit, Optional } from '@nestjs/common';
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

/** Variables of an app that owns a MongoDB database. */
export const databaseConfigSchema = z.object({
  /** Server URL; the database name comes from MONGO_DB, not from the URL path. */
  MONGO_URL: mongoUrlSchema.default('mongodb://127.0.0.1:27017/'),
  /** Database name; defaults to the app's own (`accounts`, `orders`, `fulfillment`). */
  MONGO_DB: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_-]{0,62}$/, 'letters, digits, - and _ only')
    .optional(),
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
            retryAttempts: 30,
            retryDelay: 2000,
            // Command events for DatabaseMetrics.
            monitorCommands: true,
          }),
        }),
      ],
      providers: [DatabaseHealth, DatabaseMetrics],
    };
  }
}
