export * from './text.validation';
export * from './contract-forms';
export * from './value-objects.schema';
export * from './value-objects.view';
