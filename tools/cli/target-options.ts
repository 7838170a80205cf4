/**
 * The options of the tools that work on the services' databases and call the gateway (audit,
 * refresh): the MongoDB server and each service's database name, and the defaults they share.
 */
import { fromEnvOrFile, type OptionDef } from './options';

export const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:8080';
export const DEFAULT_MONGO_URL = 'mongodb://127.0.0.1:27017/';

export const MONGO_OPTIONS = {
  'mongo-url': {
    type: 'string',
    value: 'URL',
    description: 'MongoDB server',
    env: ['MONGO_URL', 'MONGO_URL_FILE'],
    default: DEFAULT_MONGO_URL,
  },
  database: {
    type: 'string',
    multiple: true,
    value: 'S=NAME',
    description: 'database of service S (accounts, orders, fulfillment)',
  },
} as const satisfies Record<string, OptionDef>;

/** `--mongo-url`, else MONGO_URL (or the file MONGO_URL_FILE names), else the local server. */
export function mongoUrlOf(values: { readonly 'mongo-url'?: string }): string {
  return values['mongo-url'] ?? fromEnvOrFile('MONGO_URL') ?? DEFAULT_MONGO_URL;
}
