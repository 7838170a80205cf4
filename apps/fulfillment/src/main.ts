import 'reflect-metadata';
import { bootstrap } from '@storefront/platform';
import { fulfillmentApp } from './fulfillment.app';

void bootstrap(fulfillmentApp);
