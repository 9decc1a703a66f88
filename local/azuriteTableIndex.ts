// Preloaded (`node --require`) into the Azurite Tables process that local/azurite.ts starts.
//
// Why: Azurite 3.35 answers every entity query by running the filter over the whole table and
// sorting what matched (LokiTableMetadataStore.queryTableEntities: `chain().where(filter)`), so
// a page of one partition costs as much as the table is large, and walking a table page by page
// is quadratic. Azure Table storage serves `PartitionKey eq 'x'` as a range scan of that
// partition. keyward pages every large walk per partition (re-encryption, counts, the task
// hub's history per instance), so on unpatched Azurite the scale bench measured the emulator's
// quadratic cost (a plain rewrite's time per record grew 8.7x from 10^4 to 10^5 records), not
// keyward's, and the embedded durable host paid a whole History-table scan per episode.
//
// What: when a query's filter requires one partition (`PartitionKey eq 'x'`, alone or as a
// conjunct of a top-level `and`), the query starts from Azurite's own PartitionKey index (the
// collection is created with `indices: ["PartitionKey", "RowKey"]`) instead of the whole table.
// The filter, the continuation and the sort are still Azurite's, applied to that subset: the
// same entities in the same order (test/local/azuriteTableIndex.test.ts compares the answers
// with an unpatched Azurite's). Any other filter goes through Azurite's code untouched.
/* eslint-disable @typescript-eslint/no-require-imports */

interface QueryNode { left?: QueryNode; right?: QueryNode; identifier?: string; value?: unknown; constructor: { name: string } }
interface Resultset { find(query: object): Resultset }
interface LokiDoc { $loki?: number; meta?: unknown; PartitionKey?: string; RowKey?: string }
interface Collection {
  chain(): Resultset; insert(doc: LokiDoc): LokiDoc; update(doc: LokiDoc): void; remove(doc: LokiDoc): void;
  adaptiveBinaryIndices: boolean; binaryIndices: Record<string, { dirty: boolean }>;
}
type QueryFn = (this: StoreInstance, context: unknown, account: string, table: string, options: { filter?: string } | undefined, ...rest: unknown[]) => Promise<unknown>;
interface StorePrototype { queryTableEntities: QueryFn; updateTableEntity: (this: StoreInstance, ...args: unknown[]) => Promise<unknown> }
interface StoreInstance { getEntityCollection(account: string, table: string, context: unknown): Collection }

/** The partition key a filter requires, if it requires exactly one through a top-level conjunct. */
export function pinnedPartitionOf(node: QueryNode | undefined): string | undefined {
  if (!node) return undefined;
  const kind = node.constructor.name;
  if (kind === "AndNode") return pinnedPartitionOf(node.left) ?? pinnedPartitionOf(node.right);
  if (kind !== "EqualsNode") return undefined;
  const [id, constant] = node.left?.constructor.name === "IdentifierNode" ? [node.left, node.right] : [node.right, node.left];
  if (id?.constructor.name !== "IdentifierNode" || id.identifier !== "PartitionKey") return undefined;
  if (constant?.constructor.name !== "ConstantNode" || typeof constant.value !== "string") return undefined;
  return constant.value;
}

/** The partition a raw OData filter requires, or undefined (no filter, a parse error, no pin). */
export function pinnedPartition(filter: string | undefined, parse: (q: string) => QueryNode): string | undefined {
  if (!filter) return undefined;
  try {
    return pinnedPartitionOf(parse(filter));
  } catch {
    return undefined; // Azurite's own path reports the syntax error.
  }
}

/** A view of an entity collection whose chains start from one partition (found through the index). */
function narrowedTo(collection: Collection, partitionKey: string): Collection {
  return new Proxy(collection, {
    get(target, property, receiver) {
      if (property === "chain") return () => target.chain().find({ PartitionKey: partitionKey });
      return Reflect.get(target, property, receiver);
    },
  });
}

/**
 * A view of an entity collection on which updateTableEntity's `remove(old)` then `insert(new)`
 * replace the document where it is: LokiJS's remove splices the collection's arrays, and
 * re-inserting re-sorts the new document into both binary indices, each a cost as large as the
 * table for every replaced row. A replace keeps PartitionKey and RowKey (Azurite found the old
 * document by them), the only indexed fields, so the indices stay valid as they are: the update
 * runs with adaptive index maintenance off and the indices' dirty flags put back afterwards.
 */
function replacingInPlace(collection: Collection): Collection {
  let removed: LokiDoc | undefined;
  const replace = (old: LokiDoc, doc: LokiDoc) => {
    doc.$loki = old.$loki;
    doc.meta = old.meta;
    const adaptive = collection.adaptiveBinaryIndices;
    const dirty = Object.entries(collection.binaryIndices).map(([name, index]) => [name, index.dirty] as const);
    collection.adaptiveBinaryIndices = false;
    try {
      collection.update(doc);
    } finally {
      collection.adaptiveBinaryIndices = adaptive;
      for (const [name, wasDirty] of dirty) collection.binaryIndices[name].dirty = wasDirty;
    }
    return doc;
  };
  return new Proxy(collection, {
    get(target, property, receiver) {
      if (property === "remove") return (doc: LokiDoc) => { removed = doc; };
      if (property === "insert") {
        return (doc: LokiDoc) => {
          const old = removed;
          removed = undefined;
          if (!old) return target.insert(doc);
          if (old.PartitionKey === doc.PartitionKey && old.RowKey === doc.RowKey) return replace(old, doc);
          target.remove(old); // not a replace of the same keys: Azurite's own two steps
          return target.insert(doc);
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

/**
 * Runs one of the store's methods with `getEntityCollection` answering a view of the collection.
 * The patched methods' bodies run synchronously up to their return (they await nothing before
 * they touch the collection), so the view is in place for exactly that call.
 */
function withCollectionView<T>(store: StoreInstance, view: (c: Collection) => Collection, call: () => T): T {
  const own = Object.prototype.hasOwnProperty.call(store, "getEntityCollection");
  const previous = store.getEntityCollection;
  store.getEntityCollection = (a, t, c) => view(previous.call(store, a, t, c));
  try {
    return call();
  } finally {
    if (own) store.getEntityCollection = previous;
    else delete (store as Partial<StoreInstance>).getEntityCollection;
  }
}

export function installPartitionIndex(azuritePackageDir: string): void {
  const { default: Store } = require(`${azuritePackageDir}/dist/src/table/persistence/LokiTableMetadataStore`) as { default: { prototype: StorePrototype } };
  const { default: parse } = require(`${azuritePackageDir}/dist/src/table/persistence/QueryInterpreter/QueryParser`) as { default: (q: string) => QueryNode };
  const { queryTableEntities, updateTableEntity } = Store.prototype;
  if (typeof queryTableEntities !== "function" || typeof updateTableEntity !== "function") {
    throw new Error("azuriteTableIndex: LokiTableMetadataStore.queryTableEntities or updateTableEntity is gone; this Azurite version needs a new patch");
  }
  Store.prototype.queryTableEntities = function (this: StoreInstance, context, account, table, options, ...rest) {
    const partitionKey = pinnedPartition(options?.filter, parse);
    if (partitionKey === undefined) return queryTableEntities.call(this, context, account, table, options, ...rest);
    return withCollectionView(this, (c) => narrowedTo(c, partitionKey), () => queryTableEntities.call(this, context, account, table, options, ...rest));
  };
  Store.prototype.updateTableEntity = function (this: StoreInstance, ...args) {
    return withCollectionView(this, replacingInPlace, () => updateTableEntity.apply(this, args));
  };
}
