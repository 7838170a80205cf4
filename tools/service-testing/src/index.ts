export * from './service-world';
