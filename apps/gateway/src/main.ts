import 'reflect-metadata';
import { bootstrap } from '@storefront/platform';
import { gatewayApp } from './gateway.app';

void bootstrap(gatewayApp);
