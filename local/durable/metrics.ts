// Counters a test or a benchmark reads to see what the durable host did: per instance, how many
// episodes ran, how many messages they consumed, the largest batch, the largest history one
// episode replayed, and the table requests made for the instance. In memory, for the life of the
// host; an instance keeps its counters across continueAsNew (same instance id).
export interface InstanceMetrics {
  /** Episodes checkpointed (each one replays the execution's whole history). */
  episodes: number;
  /** Inbox messages the episodes consumed. */
  messages: number;
  /** The most messages one episode consumed. */
  largestBatch: number;
  /** The most history events one episode loaded from the table and replayed before its new messages. */
  largestReplay: number;
  /** Table requests that read (queries, one per page; point reads). */
  storageReads: number;
  /** Table requests that write (transactions, table creation). */
  storageWrites: number;
  /** storageReads + storageWrites. */
  storageCalls: number;
}

export interface HostMetrics extends InstanceMetrics {
  /** Instances the counters cover. */
  instances: number;
  /** The most episodes (of any instances) that ran at once; bounded by maxConcurrentOrchestratorFunctions. */
  peakConcurrentEpisodes: number;
  /** The most activities that ran at once; bounded by maxConcurrentActivityFunctions. */
  peakConcurrentActivities: number;
  /** Activities that ran past functionTimeout. */
  activityTimeouts: number;
  /** Worker restarts after a timed-out activity outlived its grace period. */
  workerRestarts: number;
}

export function emptyInstanceMetrics(): InstanceMetrics {
  return { episodes: 0, messages: 0, largestBatch: 0, largestReplay: 0, storageReads: 0, storageWrites: 0, storageCalls: 0 };
}

export class MetricsRecorder {
  private readonly instances = new Map<string, InstanceMetrics>();
  /** Requests made for no particular instance (listing unfinished instances, creating the table). */
  private readonly hostWide = emptyInstanceMetrics();

  storageCall(instanceId: string | undefined, kind: "read" | "write"): void {
    const m = instanceId === undefined ? this.hostWide : this.of(instanceId);
    if (kind === "read") m.storageReads++;
    else m.storageWrites++;
    m.storageCalls++;
  }

  episode(instanceId: string, replayed: number, messages: number): void {
    const m = this.of(instanceId);
    m.episodes++;
    m.messages += messages;
    m.largestBatch = Math.max(m.largestBatch, messages);
    m.largestReplay = Math.max(m.largestReplay, replayed);
  }

  instance(instanceId: string): InstanceMetrics | undefined {
    const m = this.instances.get(instanceId);
    return m && { ...m };
  }

  /** Sums (maxima for the largest-* figures) over the instances the filter keeps; host-wide requests only without a filter. */
  aggregate(filter?: (instanceId: string) => boolean): InstanceMetrics & { instances: number } {
    const total = { ...emptyInstanceMetrics(), instances: 0 };
    const parts = [...this.instances].filter(([id]) => !filter || filter(id)).map(([, m]) => m);
    total.instances = parts.length;
    if (!filter) parts.push(this.hostWide);
    for (const m of parts) {
      total.episodes += m.episodes;
      total.messages += m.messages;
      total.largestBatch = Math.max(total.largestBatch, m.largestBatch);
      total.largestReplay = Math.max(total.largestReplay, m.largestReplay);
      total.storageReads += m.storageReads;
      total.storageWrites += m.storageWrites;
      total.storageCalls += m.storageCalls;
    }
    return total;
  }

  private of(instanceId: string): InstanceMetrics {
    let m = this.instances.get(instanceId);
    if (!m) this.instances.set(instanceId, (m = emptyInstanceMetrics()));
    return m;
  }
}
