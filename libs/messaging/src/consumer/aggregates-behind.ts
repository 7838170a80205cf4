/**
 * What a consumer knows of its replicas' lag per aggregate: the newest version of each
 * aggregate it saw on a topic and could not apply (a failed attempt, a dead letter), until an
 * event of that aggregate at that version or later is handled (applied, or found already
 * there). Only aggregates behind are remembered, so memory follows the trouble, not the data.
 */
export class AggregatesBehind {
  /** topic → aggregate key → newest version seen and not applied. */
  private readonly behind = new Map<string, Map<string, number>>();

  /** An event of `key` at `version` could not be applied (yet). */
  failed(topic: string, key: string, version: number): void {
    const keys = this.behind.get(topic) ?? new Map<string, number>();
    keys.set(key, Math.max(keys.get(key) ?? 0, version));
    this.behind.set(topic, keys);
  }

  /** An event of `key` at `version` was handled: the aggregate is caught up to it. */
  handled(topic: string, key: string, version: number): void {
    const keys = this.behind.get(topic);
    const seen = keys?.get(key);
    if (seen !== undefined && seen <= version) keys!.delete(key);
  }

  /** Per topic: how many aggregates are behind. */
  counts(): Map<string, number> {
    return new Map([...this.behind].map(([topic, keys]) => [topic, keys.size]));
  }
}
