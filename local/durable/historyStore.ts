// Persistence of a task hub in Azure Table storage. One table, `${taskHub}Instances`, one partition
// per instance holding everything about it, because a table transaction (the unit that makes a
// checkpoint atomic) can only span one partition of one table:
//   "state"                    the instance state (queryable columns + chunked JSON)
//   "h~<generation>~<episode>" the history events one episode appended (chunked JSON array)
//   "i~<priority>~<time>~..."  inbox messages not yet consumed by an episode
// Overflow rows ("<key>~+001", ...) carry JSON that does not fit one row (see tableRows.ts).
// Every request to the table is reported to an optional counter, by instance where there is one.
import { randomBytes } from "node:crypto";
import { RestError, TableClient, odata, type TransactionAction } from "@azure/data-tables";
import type { InstanceState, RuntimeStatus } from "./instanceState";
import { requestBytes, decodeJsonRows, encodeJsonRows, groupRows, joinRowText, overflowKey, type Row } from "./tableRows";
import type { HistoryEvent } from "./wire";
import { tableClient, type StorageRef } from "../../shared/storage/clients";

const STATE_KEY = "state";
/** Azure rejects a transaction over 4 MiB; stay clear of it and fail with a clear message instead. */
const MAX_TRANSACTION_BYTES = 3_800_000;
const MAX_TRANSACTION_ACTIONS = 100;

/** A message waiting in an instance's inbox. */
export interface InboxEntry {
  rowKey: string;
  parts: number;
  event: HistoryEvent;
  /** Completions are for one execution; they are dropped if the instance has moved on. */
  executionId?: string;
  /** Length of the stored JSON text, to keep a batch within one transaction. */
  chars: number;
}

export interface InboxMessage {
  event: HistoryEvent;
  executionId?: string;
  /** ExecutionStarted must be consumed before anything else that is waiting. */
  first?: boolean;
}

export interface StoredInstance {
  state: InstanceState;
  etag: string;
  stateParts: number;
  /** Events of the current execution, in order. */
  history: HistoryEvent[];
  /** Unconsumed messages, in consumption order. */
  inbox: InboxEntry[];
  /** History rows of earlier executions (left over after continueAsNew), to delete. */
  staleRowKeys: string[];
}

export interface Checkpoint {
  state: InstanceState;
  expectedEtag: string;
  previousStateParts: number;
  history?: { generation: number; episode: number; events: HistoryEvent[] };
  /** Inbox messages the episode consumed or found stale. */
  consumed?: readonly InboxEntry[];
  enqueue?: InboxMessage[];
}

/** Told about every request made to the task hub table. */
export type StorageCallCounter = (instanceId: string | undefined, kind: "read" | "write") => void;

export interface StateQuery {
  runtimeStatus?: RuntimeStatus[];
  createdTimeFrom?: string;
  createdTimeTo?: string;
}

export class InstanceExistsError extends Error {}
/** One checkpoint would not fit in one table transaction. */
export class CheckpointTooLargeError extends Error {}
export class ConcurrencyError extends Error {}

/** Partition keys may not contain / \ # ? or control characters; escape them (and %) reversibly. */
export function partitionKeyOf(instanceId: string): string {
  return instanceId.replace(/[%/\\#?\u0000-\u001f\u007f-\u009f]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

export function historyRowKey(generation: number, episode: number): string {
  return `h~${String(generation).padStart(6, "0")}~${String(episode).padStart(8, "0")}`;
}

export class HistoryStore {
  readonly tableName: string;
  private readonly table: TableClient;
  private inboxCounter = 0;

  constructor(
    connectionString: StorageRef,
    taskHub: string,
    private readonly count: StorageCallCounter = () => undefined,
  ) {
    if (!/^[A-Za-z][A-Za-z0-9]{2,44}$/.test(taskHub)) {
      throw new Error(`task hub name '${taskHub}' must be 3-45 letters or digits, starting with a letter`);
    }
    this.tableName = `${taskHub}Instances`;
    this.table = tableClient(connectionString, this.tableName);
  }

  async ensureTables(): Promise<void> {
    try {
      this.count(undefined, "write");
      await this.table.createTable();
    } catch (err) {
      if (!(err instanceof RestError && err.statusCode === 409)) throw err;
    }
  }

  async load(instanceId: string): Promise<StoredInstance | undefined> {
    const pk = partitionKeyOf(instanceId);
    const rows = await this.query(instanceId, odata`PartitionKey eq ${pk}`);
    rows.sort((a, b) => (a.rowKey < b.rowKey ? -1 : a.rowKey > b.rowKey ? 1 : 0));
    const groups = groupRows(rows);
    const stateRows = groups.get(STATE_KEY);
    if (!stateRows) return undefined;
    const state = decodeJsonRows(stateRows) as InstanceState;
    const current = historyRowKey(state.generation, 0).slice(0, -8);
    const history: HistoryEvent[] = [];
    const inbox: InboxEntry[] = [];
    const staleRowKeys: string[] = [];
    for (const [key, group] of groups) {
      if (key.startsWith("h~")) {
        if (key.startsWith(current)) history.push(...(decodeJsonRows(group) as HistoryEvent[]));
        else staleRowKeys.push(...group.map((r) => r.rowKey));
      } else if (key.startsWith("i~")) {
        const text = joinRowText(group);
        const message = JSON.parse(text) as InboxMessage;
        inbox.push({ rowKey: key, parts: group.length, event: message.event, executionId: message.executionId, chars: text.length });
      }
    }
    const etag = stateRows[0].etag;
    return { state, etag: typeof etag === "string" ? etag : "*", stateParts: stateRows.length, history, inbox, staleRowKeys };
  }

  async loadState(instanceId: string): Promise<InstanceState | undefined> {
    const pk = partitionKeyOf(instanceId);
    try {
      this.count(instanceId, "read");
      const head = await this.table.getEntity<Row>(pk, STATE_KEY);
      return decodeJsonRows(await this.withOverflow(instanceId, head)) as InstanceState;
    } catch (err) {
      if (err instanceof RestError && err.statusCode === 404) return undefined;
      throw err;
    }
  }

  /** Instance states matching the query (all of them without one). */
  async listStates(query: StateQuery = {}): Promise<InstanceState[]> {
    const clauses = [odata`RowKey eq ${STATE_KEY}`];
    if (query.runtimeStatus?.length) clauses.push(`(${query.runtimeStatus.map((s) => odata`runtimeStatus eq ${s}`).join(" or ")})`);
    if (query.createdTimeFrom) clauses.push(odata`createdTime ge ${query.createdTimeFrom}`);
    if (query.createdTimeTo) clauses.push(odata`createdTime le ${query.createdTimeTo}`);
    const states: InstanceState[] = [];
    for (const head of await this.query(undefined, clauses.join(" and "))) {
      states.push(decodeJsonRows(await this.withOverflow(typeof head.instanceId === "string" ? head.instanceId : undefined, head)) as InstanceState);
    }
    return states;
  }

  /** Creates the instance with its first inbox message, atomically; InstanceExistsError if it exists. */
  async create(state: InstanceState, start: InboxMessage): Promise<{ etag: string; stateParts: number; entry: InboxEntry }> {
    const pk = partitionKeyOf(state.instanceId);
    const stateRows = this.stateRows(state);
    const inboxRows = this.inboxRows(pk, start);
    try {
      const etag = await this.submit(state.instanceId, [...stateRows.map((r): TransactionAction => ["create", r]), ...inboxRows.map((r): TransactionAction => ["create", r])]);
      return { etag, stateParts: stateRows.length, entry: inboxEntry(inboxRows, start) };
    } catch (err) {
      if (err instanceof RestError && err.statusCode === 409) throw new InstanceExistsError(`An instance with ID '${state.instanceId}' already exists.`);
      throw err;
    }
  }

  /** Durably appends one message to an instance's inbox. */
  async appendInbox(instanceId: string, message: InboxMessage): Promise<InboxEntry> {
    const rows = this.inboxRows(partitionKeyOf(instanceId), message);
    await this.submit(instanceId, rows.map((r): TransactionAction => ["create", r]));
    return inboxEntry(rows, message);
  }

  /**
   * Commits one episode atomically: the new state (only if nobody else changed it since we read it),
   * the history it appended, the inbox messages it consumed and the messages it queued.
   * Returns the new etag of the state row.
   */
  async checkpoint(c: Checkpoint): Promise<{ etag: string; stateParts: number; enqueued: InboxEntry[] }> {
    const pk = partitionKeyOf(c.state.instanceId);
    const actions: TransactionAction[] = [];
    const stateRows = this.stateRows(c.state);
    actions.push(["update", stateRows[0], "Replace", { etag: c.expectedEtag }]);
    for (const row of stateRows.slice(1)) actions.push(["upsert", row, "Replace"]);
    for (let i = stateRows.length; i < c.previousStateParts; i++) actions.push(["delete", { partitionKey: pk, rowKey: overflowKey(STATE_KEY, i) }]);
    if (c.history) {
      const key = historyRowKey(c.history.generation, c.history.episode);
      for (const row of encodeJsonRows(pk, key, c.history.events)) actions.push(["upsert", row, "Replace"]);
    }
    for (const entry of c.consumed ?? []) actions.push(...this.inboxDeletes(pk, entry));
    const enqueued: InboxEntry[] = [];
    for (const message of c.enqueue ?? []) {
      const rows = this.inboxRows(pk, message);
      actions.push(...rows.map((r): TransactionAction => ["create", r]));
      enqueued.push(inboxEntry(rows, message));
    }
    try {
      const etag = await this.submit(c.state.instanceId, actions);
      return { etag, stateParts: stateRows.length, enqueued };
    } catch (err) {
      if (err instanceof RestError && err.statusCode === 412) {
        throw new ConcurrencyError(`instance '${c.state.instanceId}' was changed by someone else (another host on the same task hub?)`);
      }
      throw err;
    }
  }

  /** Removes messages that no longer apply (completions for tasks that are gone, messages to a finished instance). */
  async dropInbox(instanceId: string, entries: readonly InboxEntry[]): Promise<void> {
    const pk = partitionKeyOf(instanceId);
    await this.deleteRows(instanceId, entries.flatMap((e) => this.inboxDeletes(pk, e).map(([, row]) => row.rowKey)));
  }

  /** Deletes everything about an instance. The state row goes last, so a half-done purge still shows. */
  async deleteInstance(instanceId: string): Promise<boolean> {
    const pk = partitionKeyOf(instanceId);
    const keys = (await this.query(instanceId, odata`PartitionKey eq ${pk}`, ["RowKey"])).map((row) => row.rowKey);
    if (!keys.includes(STATE_KEY)) return false;
    await this.deleteRows(instanceId, keys.filter((k) => !k.startsWith(STATE_KEY)));
    await this.deleteRows(instanceId, keys.filter((k) => k.startsWith(STATE_KEY)).sort().reverse());
    return true;
  }

  /** Deletes rows of one instance's partition, up to 100 per transaction. */
  async deleteRows(instanceId: string, rowKeys: readonly string[]): Promise<void> {
    const partitionKey = partitionKeyOf(instanceId);
    for (let i = 0; i < rowKeys.length; i += MAX_TRANSACTION_ACTIONS) {
      this.count(instanceId, "write");
      await this.table.submitTransaction(rowKeys.slice(i, i + MAX_TRANSACTION_ACTIONS).map((rowKey): TransactionAction => ["delete", { partitionKey, rowKey }]));
    }
  }

  /** Every row matching the filter, one counted request per page the service returns. */
  private async query(instanceId: string | undefined, filter: string, select?: string[]): Promise<Row[]> {
    const rows: Row[] = [];
    for await (const page of this.table.listEntities<Row>({ queryOptions: { filter, select } }).byPage()) {
      this.count(instanceId, "read");
      rows.push(...page);
    }
    return rows;
  }

  private stateRows(state: InstanceState): Row[] {
    return encodeJsonRows(partitionKeyOf(state.instanceId), STATE_KEY, state, {
      instanceId: state.instanceId,
      name: state.name,
      runtimeStatus: state.runtimeStatus,
      createdTime: state.createdTime,
      lastUpdatedTime: state.lastUpdatedTime,
    });
  }

  private inboxRows(pk: string, message: InboxMessage): Row[] {
    // Time then a per-store counter keeps arrival order; the random tail avoids clashes between hosts.
    const key = [
      "i",
      message.first ? "0" : "1",
      String(Date.now()).padStart(13, "0"),
      String(this.inboxCounter++ % 1_000_000).padStart(6, "0"),
      randomBytes(3).toString("hex"),
    ].join("~");
    return encodeJsonRows(pk, key, { event: message.event, executionId: message.executionId });
  }

  private inboxDeletes(pk: string, entry: InboxEntry): TransactionAction[] {
    const keys = [entry.rowKey];
    for (let i = 1; i < entry.parts; i++) keys.push(overflowKey(entry.rowKey, i));
    return keys.map((rowKey): TransactionAction => ["delete", { partitionKey: pk, rowKey }]);
  }

  private async withOverflow(instanceId: string | undefined, head: Row): Promise<Row[]> {
    const parts = typeof head.parts === "number" ? head.parts : 1;
    const rows = [head];
    for (let i = 1; i < parts; i++) {
      this.count(instanceId, "read");
      rows.push(await this.table.getEntity<Row>(head.partitionKey, overflowKey(head.rowKey, i)));
    }
    return rows;
  }

  /** Submits one transaction and returns the etag of its first row (the state row, when it has one). */
  private async submit(instanceId: string, actions: TransactionAction[]): Promise<string> {
    if (actions.length > MAX_TRANSACTION_ACTIONS) {
      throw new CheckpointTooLargeError(`a checkpoint needs ${actions.length} table operations; one transaction allows ${MAX_TRANSACTION_ACTIONS}`);
    }
    const bytes = requestBytes(actions.map((a) => a[1] as Row));
    if (bytes > MAX_TRANSACTION_BYTES) {
      throw new CheckpointTooLargeError(`a checkpoint of about ${bytes} bytes exceeds what one table transaction can carry (4 MiB); keep orchestration inputs, outputs and activity results smaller`);
    }
    this.count(instanceId, "write");
    const response = await this.table.submitTransaction(actions);
    return response.subResponses[0]?.etag ?? "*";
  }
}

function inboxEntry(rows: readonly Row[], message: InboxMessage): InboxEntry {
  return { rowKey: rows[0].rowKey, parts: rows.length, event: message.event, executionId: message.executionId, chars: joinRowText(rows).length };
}
