import 'reflect-metadata';
import { bootstrap } from '@storefront/platform';
import { ordersApp } from './orders.app';

void bootstrap(ordersApp);
