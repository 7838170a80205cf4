import 'reflect-metadata';
import { bootstrap } from '@storefront/platform';
import { accountsApp } from './accounts.app';

void bootstrap(accountsApp);
