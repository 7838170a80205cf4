export * from './text.validation';
export * from './value-objects.schema';
export * from './value-objects.view';
