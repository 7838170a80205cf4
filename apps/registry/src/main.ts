import 'reflect-metadata';
import { bootstrap } from '@storefront/platform';
import { registryApp } from './registry.app';

void bootstrap(registryApp);
