import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, basicAuthorization, splitUrlCredentials } from '@storefront/platform';
import type { RegistryConfig } from './registry.config';
import type { ApplicationsJson, InstanceJson } from './instance.view';
import type { OverrideStatus, InstanceStatus } from './registry.model';

/** Eureka's marker for a request one registry forwards to another; peers never forward it again. */
export const REPLICATION_HEADER = 'x-netflix-discovery-replication';

export type ReplicationAction =
  | { kind: 'register'; instance: InstanceJson }
  /** `instance` is re-sent as a registration when the peer does not know the instance. */
  | { kind: 'heartbeat'; instance: InstanceJson }
  | { kind: 'cancel'; app: string; id: string }
  | { kind: 'statusUpdate'; app: string; id: string; value: OverrideStatus }
  | { kind: 'deleteStatusOverride'; app: string; id: string; value?: InstanceStatus }
  | { kind: 'metadata'; app: string; id: string; metadata: Record<string, string> };

export interface PeerState {
  url: string;
  lastSuccessAt?: number;
  lastFailureAt?: number;
  lastError?: string;
  pending: number;
}

interface Peer extends PeerState {
  queue: Promise<void>;
  /** HTTP Basic for the peer's writes; undefined when neither side has credentials. */
  authorization?: string;
}

/** Beyond this backlog a dead peer costs memory for nothing; it resyncs via heartbeats. */
const MAX_PENDING = 1000;

/**
 * Forwards every write a client made here to the other replicas, one call per write with
 * Eureka's replication header (Spring batches them; single calls are simpler and enough at
 * this scale). Calls to one peer run in order, so a registration never overtakes its own
 * cancel. Failures are logged and counted, never surfaced to the client: the client's next
 * heartbeat is replicated again, and a peer that answers 404 to it gets the registration.
 */
@Injectable()
export class PeerReplicationService {
  private readonly logger = new Logger(PeerReplicationService.name);
  private readonly peers: Peer[];

  constructor(@Inject(APP_CONFIG) private readonly config: RegistryConfig) {
    // A peer is called with the credentials in its URL, else with this registry's own (the
    // replicas share one secret); the URL without them is what logs and the dashboard show.
    const own =
      config.REGISTRY_PASSWORD === undefined
        ? undefined
        : { username: config.REGISTRY_USERNAME, password: config.REGISTRY_PASSWORD };
    this.peers = config.EUREKA_PEERS.map((raw) => {
      const { url, credentials = own } = splitUrlCredentials(raw);
      return {
        url,
        authorization: credentials && basicAuthorization(credentials),
        pending: 0,
        queue: Promise.resolve(),
      };
    });
  }

  /** The peers' base URLs, without credentials. */
  get peerUrls(): string[] {
    return this.peers.map((peer) => peer.url);
  }

  get peerStates(): PeerState[] {
    return this.peers.map(({ url, lastSuccessAt, lastFailureAt, lastError, pending }) => ({
      url,
      lastSuccessAt,
      lastFailureAt,
      lastError,
      pending,
    }));
  }

  replicate(action: ReplicationAction): void {
    for (const peer of this.peers) {
      if (peer.pending >= MAX_PENDING) {
        this.logger.warn(`replication backlog to ${peer.url} is full; dropping ${action.kind}`);
        continue;
      }
      peer.pending += 1;
      peer.queue = peer.queue
        .then(() => this.send(peer, action))
        .then(
          () => {
            peer.lastSuccessAt = Date.now();
          },
          (error: unknown) => {
            peer.lastFailureAt = Date.now();
            peer.lastError = error instanceof Error ? error.message : String(error);
            this.logger.warn(`replicating ${action.kind} to ${peer.url} failed: ${peer.lastError}`);
          },
        )
        .finally(() => {
          peer.pending -= 1;
        });
    }
  }

  /** Resolves once every queued replication call has finished (for tests and shutdown). */
  async drain(): Promise<void> {
    await Promise.all(this.peers.map((peer) => peer.queue));
  }

  /** A peer's full registry, to start with what the other replicas already know. */
  async fetchPeerRegistry(url: string): Promise<InstanceJson[]> {
    const peer = this.peers.find((candidate) => candidate.url === url);
    const response = await fetch(`${url}/apps`, {
      headers: {
        accept: 'application/json',
        [REPLICATION_HEADER]: 'true',
        ...(peer?.authorization && { authorization: peer.authorization }),
      },
      signal: AbortSignal.timeout(this.config.PEER_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`GET ${url}/apps answered ${response.status}`);
    const body = (await response.json()) as Partial<ApplicationsJson>;
    const applications = body.applications?.application ?? [];
    return (Array.isArray(applications) ? applications : [applications]).flatMap((app) =>
      Array.isArray(app.instance) ? app.instance : [app.instance],
    );
  }

  private async send(peer: Peer, action: ReplicationAction): Promise<void> {
    const call = (method: string, path: string, accepted: number[], body?: unknown) =>
      this.call(peer, method, path, accepted, body);
    switch (action.kind) {
      case 'register':
        await call('POST', `/apps/${encodeURIComponent(action.instance.app)}`, [204], {
          instance: action.instance,
        });
        return;
      case 'heartbeat': {
        const { app, instanceId } = action.instance;
        const status = await call('PUT', instancePath(app, instanceId), [200, 404]);
        if (status === 404) {
          await call('POST', `/apps/${encodeURIComponent(app)}`, [204], {
            instance: action.instance,
          });
        }
        return;
      }
      case 'cancel':
        // 404: the peer evicted it already, which is the state we want.
        await call('DELETE', instancePath(action.app, action.id), [200, 404]);
        return;
      case 'statusUpdate':
        await call(
          'PUT',
          `${instancePath(action.app, action.id)}/status?value=${action.value}`,
          [200],
        );
        return;
      case 'deleteStatusOverride': {
        const query = action.value ? `?value=${action.value}` : '';
        await call('DELETE', `${instancePath(action.app, action.id)}/status${query}`, [200, 404]);
        return;
      }
      case 'metadata':
        await call(
          'PUT',
          `${instancePath(action.app, action.id)}/metadata?${new URLSearchParams(action.metadata).toString()}`,
          [200],
        );
        return;
    }
  }

  private async call(
    peer: Peer,
    method: string,
    path: string,
    accepted: number[],
    body?: unknown,
  ): Promise<number> {
    const response = await fetch(`${peer.url}${path}`, {
      method,
      headers: {
        [REPLICATION_HEADER]: 'true',
        ...(peer.authorization && { authorization: peer.authorization }),
        accept: 'application/json',
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.config.PEER_TIMEOUT_MS),
    });
    // Drain the body so the connection can be reused.
    await response.arrayBuffer();
    if (!accepted.includes(response.status)) {
      throw new Error(`${method} ${path} answered ${response.status}`);
    }
    return response.status;
  }
}

function instancePath(app: string, id: string): string {
  return `/apps/${encodeURIComponent(app)}/${encodeURIComponent(id)}`;
}
