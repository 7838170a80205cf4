export interface AppInfo {
  /** Lower-case app name, e.g. `accounts`. */
  name: string;
  version: string;
  environment: string;
  commit?: string;
}

export const APP_INFO = Symbol('APP_INFO');
