/**
 * Learning-rate schedulers, as torch.optim.lr_scheduler: each one changes group.lr of
 * its optimizer's parameter groups when step() is called (once per epoch, or per batch
 * for OneCycleLR), using PyTorch's recursive ("chainable") update rules so that
 * schedulers can be stacked on one optimizer the way PyTorch allows.
 *
 * @example
 * const opt = new tf.optim.SGD(params, { lr: 0.1 });
 * const sched = new tf.optim.lrScheduler.StepLR(opt, { stepSize: 30, gamma: 0.1 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); sched.step(); }
 */
import { ArgumentError } from '../errors';
import { Optimizer, camelToSnake, checkNumber, snakeToCamel, type ParamGroup } from './optimizer';

type Group = ParamGroup & Record<string, unknown>;

/** Property names that do not follow the plain camelCase <-> snake_case rule. */
const SPECIAL_KEYS: Record<string, string> = { stepCount: '_step_count', lastLr: '_last_lr', tMax: 'T_max' };
const SPECIAL_BACK: Record<string, string> = Object.fromEntries(Object.entries(SPECIAL_KEYS).map(([a, b]) => [b, a]));

function checkOptimizer(name: string, optimizer: unknown): Optimizer {
  if (!(optimizer instanceof Optimizer)) throw new ArgumentError(name, `expected an optimizer (tf.optim.SGD, Adam, ...), got ${optimizer === null ? 'null' : typeof optimizer}`);
  return optimizer;
}

function checkInt(op: string, name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ArgumentError(op, `${name} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

/** Scheduler state in PyTorch's key names (numbers, arrays and plain objects). */
function exportState(obj: object, skip: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (skip.has(k) || typeof v === 'function') continue;
    out[SPECIAL_KEYS[k] ?? camelToSnake(k)] = structuredClone(v);
  }
  return out;
}

function importState(obj: object, sd: Record<string, unknown>, skip: Set<string>, op: string): void {
  if (sd === null || typeof sd !== 'object') throw new ArgumentError(op, 'expected a state dict made by stateDict()');
  for (const [k, v] of Object.entries(sd)) {
    const key = SPECIAL_BACK[k] ?? snakeToCamel(k);
    if (skip.has(key)) continue;
    if (!(key in obj)) continue; // PyTorch-only bookkeeping (verbose, _get_lr_called_within_step, ...)
    (obj as Record<string, unknown>)[key] = structuredClone(v);
  }
}

const SKIP = new Set(['optimizer', 'name']);

/** The base of the epoch-driven schedulers (PyTorch's LRScheduler). */
export abstract class LRScheduler {
  readonly optimizer: Optimizer;
  /** The schedule's starting learning rate of each group (its initialLr). */
  baseLrs: number[];
  /** Number of step() calls so far, minus one (0 right after construction). */
  lastEpoch: number;
  protected stepCount = 0;
  protected lastLr: number[] = [];
  protected readonly name: string;

  protected constructor(name: string, optimizer: Optimizer, lastEpoch = -1) {
    this.name = name;
    this.optimizer = checkOptimizer(name, optimizer);
    checkInt(name, 'lastEpoch', lastEpoch, -1);
    const groups = this.groups();
    groups.forEach((g, i) => {
      if (lastEpoch === -1) {
        if (g.initialLr === undefined) g.initialLr = g.lr;
      } else if (typeof g.initialLr !== 'number') {
        throw new ArgumentError(name, `initialLr is not set in paramGroups[${i}] when resuming with lastEpoch ${lastEpoch}`);
      }
    });
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  protected groups(): Group[] {
    return this.optimizer.paramGroups as Group[];
  }

  /** Subclasses call this at the end of their constructor (PyTorch's _initial_step). */
  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** The learning rates for the current lastEpoch, from the groups' current ones. */
  protected abstract getLr(): number[];

  /** Advances the schedule by one epoch and sets each group's lr. */
  step(): void {
    this.stepCount++;
    this.lastEpoch++;
    const lrs = this.getLr();
    this.groups().forEach((g, i) => {
      g.lr = lrs[i];
    });
    this.lastLr = this.groups().map((g) => g.lr);
  }

  /** The learning rate of each group as the last step() set it. */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  /** The scheduler's state, with PyTorch's key names (base_lrs, last_epoch, ...). */
  stateDict(): Record<string, unknown> {
    return exportState(this, SKIP);
  }

  /** Restores a state from stateDict(). */
  loadStateDict(sd: Record<string, unknown>): void {
    importState(this, sd, SKIP, `${this.name}.loadStateDict`);
  }
}

/**
 * Multiplies the learning rate by gamma every stepSize epochs:
 * lr = baseLr · gamma^⌊epoch / stepSize⌋.
 * @example new tf.optim.lrScheduler.StepLR(opt, { stepSize: 30, gamma: 0.1 })
 */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;
  constructor(optimizer: Optimizer, { stepSize, gamma = 0.1, lastEpoch = -1 }: { stepSize: number; gamma?: number; lastEpoch?: number }) {
    super('StepLR', optimizer, lastEpoch);
    this.stepSize = checkInt('StepLR', 'stepSize', stepSize, 1);
    checkNumber('StepLR', 'gamma', gamma);
    this.gamma = gamma;
    this.initialStep();
  }
  protected getLr(): number[] {
    const g = this.groups();
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return g.map((x) => x.lr);
    return g.map((x) => x.lr * this.gamma);
  }
}

/**
 * Multiplies the learning rate by gamma at each milestone epoch:
 * lr = baseLr · gamma^(number of milestones <= epoch).
 * @example new tf.optim.lrScheduler.MultiStepLR(opt, { milestones: [30, 80], gamma: 0.1 })
 */
export class MultiStepLR extends LRScheduler {
  /** Milestone epoch -> how many times it was listed (PyTorch's Counter). */
  milestones: Record<number, number>;
  gamma: number;
  constructor(optimizer: Optimizer, { milestones, gamma = 0.1, lastEpoch = -1 }: { milestones: number[]; gamma?: number; lastEpoch?: number }) {
    super('MultiStepLR', optimizer, lastEpoch);
    if (!Array.isArray(milestones)) throw new ArgumentError('MultiStepLR', `milestones must be an array of integers, got ${String(milestones)}`);
    const counts: Record<number, number> = {};
    for (const m of milestones) {
      checkInt('MultiStepLR', 'each milestone', m, 0);
      counts[m] = (counts[m] ?? 0) + 1;
    }
    for (let i = 1; i < milestones.length; i++) {
      if (milestones[i] < milestones[i - 1]) throw new ArgumentError('MultiStepLR', `milestones must be increasing, got [${milestones.join(', ')}]`);
    }
    checkNumber('MultiStepLR', 'gamma', gamma);
    this.milestones = counts;
    this.gamma = gamma;
    this.initialStep();
  }
  protected getLr(): number[] {
    const c = this.milestones[this.lastEpoch];
    if (c === undefined) return this.groups().map((x) => x.lr);
    return this.groups().map((x) => x.lr * Math.pow(this.gamma, c));
  }
}

/**
 * Multiplies the learning rate by gamma every epoch: lr = baseLr · gamma^epoch.
 * @example new tf.optim.lrScheduler.ExponentialLR(opt, { gamma: 0.95 })
 */
export class ExponentialLR extends LRScheduler {
  gamma: number;
  constructor(optimizer: Optimizer, { gamma, lastEpoch = -1 }: { gamma: number; lastEpoch?: number }) {
    super('ExponentialLR', optimizer, lastEpoch);
    checkNumber('ExponentialLR', 'gamma', gamma);
    this.gamma = gamma;
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups().map((x) => x.lr);
    return this.groups().map((x) => x.lr * this.gamma);
  }
}

/**
 * Cosine annealing (SGDR without restarts): the closed form is
 * lr = etaMin + (baseLr − etaMin)·(1 + cos(π·epoch / tMax)) / 2, continuing as a cosine
 * of period 2·tMax past tMax. Computed with PyTorch's recursive form.
 * @example new tf.optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 50, etaMin: 1e-5 })
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;
  constructor(optimizer: Optimizer, { tMax, etaMin = 0, lastEpoch = -1 }: { tMax: number; etaMin?: number; lastEpoch?: number }) {
    super('CosineAnnealingLR', optimizer, lastEpoch);
    this.tMax = checkInt('CosineAnnealingLR', 'tMax', tMax, 1);
    checkNumber('CosineAnnealingLR', 'etaMin', etaMin, { min: 0 });
    this.etaMin = etaMin;
    this.initialStep();
  }
  protected getLr(): number[] {
    const { tMax: T, etaMin, lastEpoch: e } = this;
    const g = this.groups();
    if (e === 0) return g.map((x) => x.lr);
    if (this.stepCount === 1 && e > 0) {
      return this.baseLrs.map((b) => etaMin + ((b - etaMin) * (1 + Math.cos((e * Math.PI) / T))) / 2);
    }
    if ((e - 1 - T) % (2 * T) === 0) {
      return g.map((x, i) => x.lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / T))) / 2);
    }
    return g.map((x) => ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (x.lr - etaMin) + etaMin);
  }
}

/**
 * Linear warm-up (or decay): the factor goes from startFactor to endFactor over
 * totalIters epochs, then stays: lr = baseLr · (s + (e − s)·min(epoch, totalIters)/totalIters).
 * @example new tf.optim.lrScheduler.LinearLR(opt, { startFactor: 0.1, totalIters: 10 })
 */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;
  constructor(optimizer: Optimizer, { startFactor = 1 / 3, endFactor = 1, totalIters = 5, lastEpoch = -1 }: { startFactor?: number; endFactor?: number; totalIters?: number; lastEpoch?: number } = {}) {
    super('LinearLR', optimizer, lastEpoch);
    checkNumber('LinearLR', 'startFactor', startFactor, { min: 0, minExclusive: true, max: 1 });
    checkNumber('LinearLR', 'endFactor', endFactor, { min: 0, max: 1 });
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = checkInt('LinearLR', 'totalIters', totalIters, 1);
    this.initialStep();
  }
  protected getLr(): number[] {
    const { startFactor: s, endFactor: f, totalIters: n, lastEpoch: e } = this;
    const g = this.groups();
    if (e === 0) return g.map((x) => x.lr * s);
    if (e > n) return g.map((x) => x.lr);
    return g.map((x) => x.lr * (1 + (f - s) / (n * s + (e - 1) * (f - s))));
  }
}

interface Phase {
  end_step: number;
  start_lr: string;
  end_lr: string;
  start_momentum: string;
  end_momentum: string;
}

export interface OneCycleLROptions {
  /** Peak learning rate, one for all groups or one per group. */
  maxLr: number | number[];
  /** Total number of steps, or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the learning rate (default 0.3). */
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (SGD/RMSprop) or beta1 (Adam) inversely to the learning rate. */
  cycleMomentum?: boolean;
  baseMomentum?: number | number[];
  maxMomentum?: number | number[];
  /** initialLr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Three phases (up, back down to initialLr, then down to minLr) as fastai's. */
  threePhase?: boolean;
  lastEpoch?: number;
}

/**
 * The 1cycle policy (Smith & Topin), stepped once per batch: the learning rate rises
 * from maxLr/divFactor to maxLr over pctStart of totalSteps, then anneals to
 * initialLr/finalDivFactor (cosine or linear), with momentum cycled the opposite way.
 * @example new tf.optim.lrScheduler.OneCycleLR(opt, { maxLr: 0.01, totalSteps: 1000 })
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  schedulePhases: Phase[];
  annealStrategy: 'cos' | 'linear';
  cycleMomentum: boolean;
  useBeta1: boolean;

  constructor(optimizer: Optimizer, opts: OneCycleLROptions) {
    const name = 'OneCycleLR';
    checkOptimizer(name, optimizer);
    if (opts === null || typeof opts !== 'object') throw new ArgumentError(name, 'expected an options object with maxLr');
    const {
      maxLr, totalSteps, epochs, stepsPerEpoch, pctStart = 0.3, annealStrategy = 'cos', cycleMomentum = true,
      baseMomentum = 0.85, maxMomentum = 0.95, divFactor = 25, finalDivFactor = 1e4, threePhase = false, lastEpoch = -1,
    } = opts;
    let total: number;
    if (totalSteps !== undefined) {
      total = checkInt(name, 'totalSteps', totalSteps, 1);
    } else if (epochs !== undefined && stepsPerEpoch !== undefined) {
      total = checkInt(name, 'epochs', epochs, 1) * checkInt(name, 'stepsPerEpoch', stepsPerEpoch, 1);
    } else {
      throw new ArgumentError(name, 'give totalSteps, or both epochs and stepsPerEpoch');
    }
    checkNumber(name, 'pctStart', pctStart, { min: 0, max: 1 });
    if (annealStrategy !== 'cos' && annealStrategy !== 'linear') throw new ArgumentError(name, `annealStrategy must be 'cos' or 'linear', got ${String(annealStrategy)}`);
    checkNumber(name, 'divFactor', divFactor, { min: 0, minExclusive: true });
    checkNumber(name, 'finalDivFactor', finalDivFactor, { min: 0, minExclusive: true });
    const groups = optimizer.paramGroups as Group[];
    const perGroup = (what: string, v: number | number[]): number[] => {
      if (Array.isArray(v)) {
        if (v.length !== groups.length) throw new ArgumentError(name, `expected ${groups.length} values for ${what} (one per group), got ${v.length}`);
        v.forEach((x, i) => checkNumber(name, `${what}[${i}]`, x));
        return v.slice();
      }
      checkNumber(name, what, v);
      return groups.map(() => v);
    };
    const maxLrs = perGroup('maxLr', maxLr);
    const useBeta1 = 'betas' in optimizer.defaults;
    if (cycleMomentum && !useBeta1 && !('momentum' in optimizer.defaults)) {
      throw new ArgumentError(name, `cycleMomentum needs an optimizer with momentum or betas; ${optimizer.name} has neither (pass cycleMomentum: false)`);
    }
    const baseMs = cycleMomentum ? perGroup('baseMomentum', baseMomentum) : [];
    const maxMs = cycleMomentum ? perGroup('maxMomentum', maxMomentum) : [];
    if (lastEpoch === -1) {
      groups.forEach((g, i) => {
        const initial = maxLrs[i] / divFactor;
        g.initialLr = initial;
        g.maxLr = maxLrs[i];
        g.minLr = initial / finalDivFactor;
        if (cycleMomentum) {
          if (useBeta1) g.betas = [maxMs[i], ...(g.betas as number[]).slice(1)];
          else g.momentum = maxMs[i];
          g.maxMomentum = maxMs[i];
          g.baseMomentum = baseMs[i];
        }
      });
    }
    super(name, optimizer, lastEpoch);
    this.totalSteps = total;
    this.annealStrategy = annealStrategy;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    const p = pctStart * total;
    this.schedulePhases = threePhase
      ? [
        { end_step: p - 1, start_lr: 'initialLr', end_lr: 'maxLr', start_momentum: 'maxMomentum', end_momentum: 'baseMomentum' },
        { end_step: 2 * p - 2, start_lr: 'maxLr', end_lr: 'initialLr', start_momentum: 'baseMomentum', end_momentum: 'maxMomentum' },
        { end_step: total - 1, start_lr: 'initialLr', end_lr: 'minLr', start_momentum: 'maxMomentum', end_momentum: 'maxMomentum' },
      ]
      : [
        { end_step: p - 1, start_lr: 'initialLr', end_lr: 'maxLr', start_momentum: 'maxMomentum', end_momentum: 'baseMomentum' },
        { end_step: total - 1, start_lr: 'maxLr', end_lr: 'minLr', start_momentum: 'baseMomentum', end_momentum: 'maxMomentum' },
      ];
    this.initialStep();
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'linear') return (end - start) * pct + start;
    return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
  }

  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new ArgumentError(this.name, `tried to step ${stepNum} times; the schedule has totalSteps ${this.totalSteps}`);
    }
    return this.groups().map((g) => {
      let start = 0;
      let lr = 0;
      const phases = this.schedulePhases;
      for (let i = 0; i < phases.length; i++) {
        const ph = phases[i];
        if (stepNum <= ph.end_step || i === phases.length - 1) {
          const pct = (stepNum - start) / (ph.end_step - start);
          lr = this.anneal(g[ph.start_lr] as number, g[ph.end_lr] as number, pct);
          if (this.cycleMomentum) {
            const m = this.anneal(g[ph.start_momentum] as number, g[ph.end_momentum] as number, pct);
            if (this.useBeta1) g.betas = [m, ...(g.betas as number[]).slice(1)];
            else g.momentum = m;
          }
          break;
        }
        start = ph.end_step;
      }
      return lr;
    });
  }
}

export interface ReduceLROnPlateauOptions {
  /** 'min': reduce when the metric stops decreasing; 'max': stops increasing. */
  mode?: 'min' | 'max';
  /** lr = lr · factor on a reduction (default 0.1, must be < 1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again. */
  cooldown?: number;
  minLr?: number | number[];
  /** Reductions smaller than eps are skipped. */
  eps?: number;
}

/**
 * Reduces the learning rate when a metric has stopped improving: step(metric) once per
 * epoch; after more than `patience` epochs without improvement, lr = max(lr·factor, minLr).
 * @example
 * const sched = new tf.optim.lrScheduler.ReduceLROnPlateau(opt, { patience: 5 });
 * sched.step(validationLoss);
 */
export class ReduceLROnPlateau {
  readonly optimizer: Optimizer;
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  cooldownCounter = 0;
  minLrs: number[];
  eps: number;
  best: number;
  modeWorse: number;
  numBadEpochs = 0;
  lastEpoch = 0;
  protected lastLr: number[];
  private readonly name = 'ReduceLROnPlateau';

  constructor(optimizer: Optimizer, opts: ReduceLROnPlateauOptions = {}) {
    const name = 'ReduceLROnPlateau';
    this.optimizer = checkOptimizer(name, optimizer);
    const { mode = 'min', factor = 0.1, patience = 10, threshold = 1e-4, thresholdMode = 'rel', cooldown = 0, minLr = 0, eps = 1e-8 } = opts;
    if (mode !== 'min' && mode !== 'max') throw new ArgumentError(name, `mode must be 'min' or 'max', got ${String(mode)}`);
    if (thresholdMode !== 'rel' && thresholdMode !== 'abs') throw new ArgumentError(name, `thresholdMode must be 'rel' or 'abs', got ${String(thresholdMode)}`);
    checkNumber(name, 'factor', factor, { max: 1, maxExclusive: true });
    checkNumber(name, 'threshold', threshold);
    checkNumber(name, 'eps', eps, { min: 0 });
    const groups = optimizer.paramGroups;
    if (Array.isArray(minLr)) {
      if (minLr.length !== groups.length) throw new ArgumentError(name, `expected ${groups.length} values for minLr (one per group), got ${minLr.length}`);
      minLr.forEach((v, i) => checkNumber(name, `minLr[${i}]`, v, { min: 0 }));
      this.minLrs = minLr.slice();
    } else {
      checkNumber(name, 'minLr', minLr, { min: 0 });
      this.minLrs = groups.map(() => minLr);
    }
    this.mode = mode;
    this.factor = factor;
    this.patience = checkInt(name, 'patience', patience, 0);
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
    this.cooldown = checkInt(name, 'cooldown', cooldown, 0);
    this.eps = eps;
    this.modeWorse = mode === 'min' ? Infinity : -Infinity;
    this.best = this.modeWorse;
    this.lastLr = groups.map((g) => g.lr);
  }

  private isBetter(a: number, best: number): boolean {
    const t = this.threshold;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - t) : a < best - t;
    return this.thresholdMode === 'rel' ? a > best * (t + 1) : a > best + t;
  }

  /** Records this epoch's metric and reduces the learning rates when it has plateaued. */
  step(metric: number): void {
    if (typeof metric !== 'number') throw new ArgumentError(`${this.name}.step`, `metric must be a number, got ${metric === null ? 'null' : typeof metric}`);
    this.lastEpoch++;
    if (this.isBetter(metric, this.best)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const old = g.lr;
        const next = Math.max(old * this.factor, this.minLrs[i]);
        if (old - next > this.eps) g.lr = next;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  stateDict(): Record<string, unknown> {
    return exportState(this, SKIP);
  }

  loadStateDict(sd: Record<string, unknown>): void {
    importState(this, sd, SKIP, `${this.name}.loadStateDict`);
  }
}
