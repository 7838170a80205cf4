/** The driver settings the monitor watchdog reasons from. */
export interface MonitorTimings {
  readonly MONGO_HEARTBEAT_MS: number;
  readonly MONGO_CONNECT_TIMEOUT_MS: number;
}

/**
 * Whether the driver's server monitor is wedged: the server is unknown to the client and the
 * monitor has reported nothing (no heartbeat started, succeeded or failed) for longer than the
 * wait between two heartbeats plus the longest a heartbeat may take, with one more wait of
 * margin. A working monitor always reports within that time, whether the server is up or not.
 */
export function monitorWedged(
  timings: MonitorTimings,
  silentMs: number,
  serverUnknown: boolean,
): boolean {
  return (
    serverUnknown && silentMs > 2 * timings.MONGO_HEARTBEAT_MS + timings.MONGO_CONNECT_TIMEOUT_MS
  );
}
