/** Containers: Sequential, ModuleList, ModuleDict. */
import { ArgumentError, IndexError } from '../errors';
import { Module } from './module';

function checkModule(op: string, m: unknown, where: string): Module {
  if (!(m instanceof Module)) throw new ArgumentError(op, `${where} must be a Module, got ${m === null ? 'null' : typeof m}`);
  return m;
}

/** Numbered children '0', '1', ... shared by Sequential and ModuleList. */
abstract class IndexedContainer extends Module {
  /** Number of children. */
  get length(): number {
    return this._modules.size;
  }

  /** The child at index i (negative counts from the end). */
  at(i: number): Module {
    const n = this._modules.size;
    if (!Number.isInteger(i) || i < -n || i >= n) throw new IndexError(`${this.constructor.name}.at`, `index ${i} is out of range for a container of ${n} modules`);
    return [...this._modules.values()][i < 0 ? i + n : i]!;
  }

  /** Adds m at the end. Returns this. */
  append(m: Module): this {
    checkModule(`${this.constructor.name}.append`, m, 'module');
    this.registerModule(String(this._modules.size), m);
    return this;
  }

  /** Appends each module. Returns this. */
  extend(ms: Iterable<Module>): this {
    for (const m of ms) this.append(m);
    return this;
  }

  /** Inserts m before index i, renumbering the rest. */
  insert(i: number, m: Module): this {
    const op = `${this.constructor.name}.insert`;
    checkModule(op, m, 'module');
    const list = [...this._modules.values()] as Module[];
    const n = list.length;
    if (!Number.isInteger(i) || i < -n || i > n) throw new IndexError(op, `index ${i} is out of range for a container of ${n} modules`);
    list.splice(i < 0 ? i + n : i, 0, m);
    this.renumber(list);
    return this;
  }

  /** Removes and returns the child at index i, renumbering the rest. */
  pop(i = -1): Module {
    const m = this.at(i);
    const list = ([...this._modules.values()] as Module[]).filter((x, k) => !(x === m && k === (i < 0 ? i + this._modules.size : i)));
    this.renumber(list);
    return m;
  }

  private renumber(list: Module[]): void {
    for (const k of [...this._modules.keys()]) delete (this as unknown as Record<string, unknown>)[k];
    this._modules.clear();
    list.forEach((m, k) => this.registerModule(String(k), m));
  }

  [Symbol.iterator](): Iterator<Module> {
    return (this._modules.values() as IterableIterator<Module>)[Symbol.iterator]();
  }
}

/**
 * Runs its children in order, each one's output feeding the next (through call()).
 * Children are named '0', '1', ... or by the keys of an object.
 * @example
 * const model = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 2));
 * const named = new nn.Sequential({ fc1: new nn.Linear(4, 3), act: new nn.ReLU() });
 */
export class Sequential extends IndexedContainer {
  constructor(...modules: Module[] | [Record<string, Module>]) {
    super();
    if (modules.length === 1 && !(modules[0] instanceof Module) && typeof modules[0] === 'object' && modules[0] !== null) {
      for (const [name, m] of Object.entries(modules[0] as Record<string, Module>)) this.registerModule(name, checkModule('Sequential', m, `module '${name}'`));
    } else {
      (modules as Module[]).forEach((m, i) => this.registerModule(String(i), checkModule('Sequential', m, `argument ${i}`)));
    }
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override forward(input: any): any {
    let x = input;
    for (const m of this._modules.values()) if (m !== null) x = m.call(x);
    return x;
  }
}

/**
 * A list of modules whose parameters are registered ('0.weight', ...); it has no
 * forward of its own.
 * @example this.layers = new nn.ModuleList([new nn.Linear(8, 8), new nn.Linear(8, 8)]);
 */
export class ModuleList extends IndexedContainer {
  constructor(modules: Iterable<Module> = []) {
    super();
    this.extend(modules);
  }
}

/**
 * A dictionary of modules registered under their keys (keys must not clash with Module's
 * own members, such as 'train').
 * @example this.heads = new nn.ModuleDict({ cls: new nn.Linear(8, 3), reg: new nn.Linear(8, 1) });
 */
export class ModuleDict extends Module {
  constructor(modules: Record<string, Module> | Iterable<[string, Module]> = {}) {
    super();
    const entries = Symbol.iterator in Object(modules) ? [...(modules as Iterable<[string, Module]>)] : Object.entries(modules);
    for (const [k, m] of entries) this.set(k, m);
  }
  get size(): number {
    return this._modules.size;
  }
  get(key: string): Module | undefined {
    return this._modules.get(key) ?? undefined;
  }
  set(key: string, m: Module): this {
    this.registerModule(key, checkModule('ModuleDict.set', m, `module '${key}'`));
    return this;
  }
  has(key: string): boolean {
    return this._modules.has(key);
  }
  /** Removes and returns the module at key. */
  delete(key: string): Module | undefined {
    const m = this.get(key);
    if (this._modules.delete(key)) delete (this as unknown as Record<string, unknown>)[key];
    return m;
  }
  keys(): string[] {
    return [...this._modules.keys()];
  }
  values(): Module[] {
    return [...this._modules.values()] as Module[];
  }
  entries(): Array<[string, Module]> {
    return [...this._modules.entries()] as Array<[string, Module]>;
  }
  [Symbol.iterator](): Iterator<string> {
    return this.keys()[Symbol.iterator]();
  }
}
