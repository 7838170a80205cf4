export * from './value-objects.schema';
export * from './value-objects.view';
