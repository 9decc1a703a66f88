// Stand-in for the `@azure/functions-core` module. The real Node.js worker injects that module by
// proxying `Module.prototype.require` (azure-functions-nodejs-worker, src/setupCoreModule.ts); we do
// the same, so `app.*` and `df.app.*` registrations are captured with their metadata and handler.
// Without it `@azure/functions` switches to "test mode" and silently drops every registration.
//
// Import this module before the app registers anything (in practice: before `@azure/functions` is
// first required, because that package caches the core module on first use).
import Module from "node:module";

/** One binding as `@azure/functions` describes it (trigger, extra input or output). */
export interface BindingMetadata {
  name?: string;
  type: string;
  direction: "in" | "out" | "inout";
  [property: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, BindingMetadata>;
  retryOptions?: unknown;
}

/** The handler exactly as the app registered it: `(triggerInput, context) => result`. */
export type FunctionCallback = (...args: unknown[]) => unknown;

export interface RegisteredFunction {
  name: string;
  metadata: FunctionMetadata;
  callback: FunctionCallback;
  /** The binding with direction "in" whose type ends in "Trigger". */
  trigger: BindingMetadata;
}

export type HookCallback = (context: unknown) => unknown;

interface Disposable {
  dispose(): void;
}

/** Everything the stand-in captured. Shared by all hosts in the process (it is the process's app). */
export interface FunctionRegistry {
  readonly functions: Map<string, RegisteredFunction>;
  readonly hooks: Map<string, HookCallback[]>;
  /** What `@azure/functions` handed to setProgrammingModel (kept only because the API has a getter). */
  programmingModel?: unknown;
}

// The registry lives on globalThis under a registered symbol so that two copies of this module
// (for example the compiled one and the one vitest transforms) still share one registry and one
// require proxy. It is the only process-wide mutable state of the local runtime.
const REGISTRY_KEY = Symbol.for("keyward.local.functionsCore.registry");
const PROXY_MARK = Symbol.for("keyward.local.functionsCore.requireProxy");

type GlobalWithRegistry = typeof globalThis & { [REGISTRY_KEY]?: FunctionRegistry };

function sharedRegistry(): FunctionRegistry {
  const g = globalThis as GlobalWithRegistry;
  g[REGISTRY_KEY] ??= { functions: new Map(), hooks: new Map() };
  return g[REGISTRY_KEY];
}

export const registry: FunctionRegistry = sharedRegistry();

class CoreDisposable implements Disposable {
  #onDispose: (() => void) | undefined;
  constructor(onDispose: () => void) {
    this.#onDispose = onDispose;
  }
  static from(...items: Disposable[]): CoreDisposable {
    return new CoreDisposable(() => items.forEach((d) => d.dispose()));
  }
  dispose(): void {
    const f = this.#onDispose;
    this.#onDispose = undefined;
    f?.();
  }
}

function findTrigger(metadata: FunctionMetadata): BindingMetadata {
  const trigger = Object.values(metadata.bindings).find((b) => b.direction === "in" && /Trigger$/.test(b.type));
  if (!trigger) throw new Error(`function '${metadata.name}' has no trigger binding`);
  return trigger;
}

const coreApi = {
  version: "keyward-local",
  hostVersion: "keyward-local",
  registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable {
    if (registry.functions.has(metadata.name)) {
      throw new Error(`A function named '${metadata.name}' is already registered`);
    }
    registry.functions.set(metadata.name, { name: metadata.name, metadata, callback, trigger: findTrigger(metadata) });
    return new CoreDisposable(() => registry.functions.delete(metadata.name));
  },
  setProgrammingModel(model: unknown): void {
    registry.programmingModel = model;
  },
  getProgrammingModel(): unknown {
    return registry.programmingModel;
  },
  registerHook(name: string, callback: HookCallback): Disposable {
    const list = registry.hooks.get(name) ?? [];
    list.push(callback);
    registry.hooks.set(name, list);
    return new CoreDisposable(() => {
      registry.hooks.set(name, (registry.hooks.get(name) ?? []).filter((c) => c !== callback));
    });
  },
  log(level: string, category: string, message: string): void {
    if (process.env.KEYWARD_CORE_DEBUG) process.stderr.write(`[core ${category}/${level}] ${message}\n`);
  },
  Disposable: CoreDisposable,
};

type RequireFn = (this: unknown, id: string) => unknown;
type MarkedRequire = RequireFn & { [PROXY_MARK]?: true };

/** Makes require("@azure/functions-core") answer the stand-in. Idempotent; runs on import. */
export function installRequireProxy(): void {
  const proto = (Module as unknown as { prototype: { require: MarkedRequire } }).prototype;
  if (proto.require[PROXY_MARK]) return; // idempotent: another copy of this module already did it
  // The first copy's coreApi answers for every later copy too: they share `registry` anyway.
  const proxied = new Proxy(proto.require, {
    apply(target, self, args: [string]) {
      return args[0] === "@azure/functions-core" ? coreApi : Reflect.apply(target, self, args);
    },
  }) as MarkedRequire;
  proxied[PROXY_MARK] = true;
  proto.require = proxied;
}

installRequireProxy();

/** The registered function with that name, or undefined. */
export function getFunction(name: string): RegisteredFunction | undefined {
  return registry.functions.get(name);
}

/** Every registered function whose trigger has that type (e.g. "httpTrigger", "activityTrigger"). */
export function functionsByTrigger(triggerType: string): RegisteredFunction[] {
  return [...registry.functions.values()].filter((f) => f.trigger.type === triggerType);
}

/** The function with that name and trigger type; throws a clear error otherwise. */
export function requireFunction(name: string, triggerType: string): RegisteredFunction {
  const f = registry.functions.get(name);
  if (!f) throw new Error(`The function '${name}' is not registered`);
  if (f.trigger.type !== triggerType) {
    throw new Error(`The function '${name}' has a ${f.trigger.type}, not a ${triggerType}`);
  }
  return f;
}

/** The extra input bindings and output bindings of a function, as InvocationContext.options wants them. */
export function bindingsOf(f: RegisteredFunction): { extraInputs: BindingMetadata[]; extraOutputs: BindingMetadata[] } {
  const all = Object.values(f.metadata.bindings);
  return {
    extraInputs: all.filter((b) => b.direction === "in" && b !== f.trigger),
    extraOutputs: all.filter((b) => b.direction === "out" && b.name !== "$return"),
  };
}
