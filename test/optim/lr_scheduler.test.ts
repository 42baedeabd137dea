/**
 * Each scheduler's learning-rate sequence (40 steps) against the closed forms of
 * PyTorch's documentation, for two parameter groups with different base rates.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';
import { expectClose } from '../helpers';

const S = tf.optim.lrScheduler;
const STEPS = 40;
const BASE = [0.1, 0.02];

function sgd(opts: Record<string, unknown> = {}): tf.optim.SGD {
  const a = tf.zeros([2]);
  const b = tf.zeros([3]);
  return new tf.optim.SGD([{ params: [a], lr: BASE[0] }, { params: [b], lr: BASE[1] }], { lr: 1, ...opts });
}

/** getLastLr() after construction and after each step, as rows [epoch][group]. */
function sequence(sched: { step(): void; getLastLr(): number[] }, opt: tf.optim.Optimizer, steps = STEPS): number[][] {
  const out = [sched.getLastLr()];
  for (let e = 1; e <= steps; e++) {
    opt.step();
    sched.step();
    out.push(sched.getLastLr());
    expect(opt.paramGroups.map((g) => g.lr)).toEqual(out[out.length - 1]);
  }
  return out;
}

function expectSeq(got: number[][], formula: (base: number, epoch: number) => number, what: string): void {
  const exp = got.map((_, e) => BASE.map((b) => formula(b, e)));
  expectClose(got.flat(), exp.flat(), { rtol: 1e-12, atol: 1e-15, what });
}

describe('LR schedulers follow PyTorch\'s documented formulas', () => {
  it('StepLR: lr = base · γ^⌊e/stepSize⌋', () => {
    const opt = sgd();
    expectSeq(sequence(new S.StepLR(opt, { stepSize: 7, gamma: 0.5 }), opt), (b, e) => b * 0.5 ** Math.floor(e / 7), 'StepLR');
  });

  it('MultiStepLR: lr = base · γ^(milestones <= e), repeated milestones count twice', () => {
    const opt = sgd();
    const ms = [5, 12, 12, 30];
    expectSeq(sequence(new S.MultiStepLR(opt, { milestones: ms, gamma: 0.3 }), opt), (b, e) => b * 0.3 ** ms.filter((m) => m <= e).length, 'MultiStepLR');
  });

  it('ExponentialLR: lr = base · γ^e', () => {
    const opt = sgd();
    expectSeq(sequence(new S.ExponentialLR(opt, { gamma: 0.9 }), opt), (b, e) => b * 0.9 ** e, 'ExponentialLR');
  });

  for (const [tMax, etaMin] of [[10, 0.001], [7, 0], [40, 0.005]]) {
    it(`CosineAnnealingLR tMax ${tMax} etaMin ${etaMin}: recursive form equals ηmin + (base − ηmin)(1 + cos(πe/T))/2, past T too`, () => {
      const opt = sgd();
      expectSeq(sequence(new S.CosineAnnealingLR(opt, { tMax, etaMin }), opt), (b, e) => etaMin + ((b - etaMin) * (1 + Math.cos((Math.PI * e) / tMax))) / 2, 'CosineAnnealingLR');
    });
  }

  for (const [s, f, n] of [[0.25, 1, 8], [1, 0.1, 10], [1 / 3, 1, 5]]) {
    it(`LinearLR ${s} -> ${f} over ${n}: lr = base · (s + (f − s)·min(e, n)/n)`, () => {
      const opt = sgd();
      expectSeq(sequence(new S.LinearLR(opt, { startFactor: s, endFactor: f, totalIters: n }), opt), (b, e) => b * (s + ((f - s) * Math.min(e, n)) / n), 'LinearLR');
    });
  }

  const cosAnneal = (a: number, b: number, pct: number) => b + ((a - b) / 2) * (1 + Math.cos(Math.PI * pct));
  const linAnneal = (a: number, b: number, pct: number) => a + (b - a) * pct;
  for (const strategy of ['cos', 'linear'] as const) {
    for (const threePhase of [false, true]) {
      it(`OneCycleLR ${strategy}${threePhase ? ' three-phase' : ''}: lr and momentum/beta1 follow the phases`, () => {
        const T = STEPS;
        const pct = 0.3;
        const div = 10;
        const finalDiv = 100;
        const maxLr = [0.5, 0.1];
        const an = strategy === 'cos' ? cosAnneal : linAnneal;
        for (const kind of ['sgd', 'adam'] as const) {
          const a = tf.zeros([2]);
          const b = tf.zeros([2]);
          const opt = kind === 'sgd' ? new tf.optim.SGD([{ params: [a] }, { params: [b] }], { lr: 1, momentum: 0.9 }) : new tf.optim.Adam([{ params: [a] }, { params: [b] }], { lr: 1 });
          const sched = new S.OneCycleLR(opt, { maxLr, totalSteps: T, pctStart: pct, annealStrategy: strategy, threePhase, divFactor: div, finalDivFactor: finalDiv, baseMomentum: 0.8, maxMomentum: 0.9 });
          const mom = () => opt.paramGroups.map((g) => (kind === 'sgd' ? (g.momentum as number) : (g.betas as number[])[0]));
          const lrs = [sched.getLastLr()];
          const moms = [mom()];
          for (let e = 1; e < T; e++) {
            sched.step();
            lrs.push(sched.getLastLr());
            moms.push(mom());
          }
          // the documented phases: warm-up to maxLr over pct·T − 1 steps, then anneal
          const expectLr: number[][] = [];
          const expectMom: number[][] = [];
          const p1 = pct * T - 1;
          for (let e = 0; e < T; e++) {
            expectLr.push(maxLr.map((m) => {
              const init = m / div;
              const min = init / finalDiv;
              if (e <= p1) return an(init, m, e / p1);
              if (!threePhase) return an(m, min, (e - p1) / (T - 1 - p1));
              const p2 = 2 * pct * T - 2;
              if (e <= p2) return an(m, init, (e - p1) / (p2 - p1));
              return an(init, min, (e - p2) / (T - 1 - p2));
            }));
            const m = e <= p1 ? an(0.9, 0.8, e / p1) : !threePhase ? an(0.8, 0.9, (e - p1) / (T - 1 - p1)) : e <= 2 * pct * T - 2 ? an(0.8, 0.9, (e - p1) / (pct * T - 1)) : 0.9;
            expectMom.push([m, m]);
          }
          expectClose(lrs.flat(), expectLr.flat(), { rtol: 1e-12, atol: 1e-15, what: `OneCycleLR ${kind} lr` });
          expectClose(moms.flat(), expectMom.flat(), { rtol: 1e-12, atol: 1e-15, what: `OneCycleLR ${kind} momentum` });
          expect(lrs[T - 1][0]).toBeCloseTo(maxLr[0] / div / finalDiv, 12);
          if (kind === 'adam') expect((opt.paramGroups[0].betas as number[])[1]).toBe(0.999);
          sched.step(); // step T is allowed, T + 1 is not
          expect(() => sched.step()).toThrow(/OneCycleLR: tried to step 41 times; the schedule has totalSteps 40/);
        }
      });
    }
  }

  it('OneCycleLR with epochs × stepsPerEpoch and cycleMomentum off', () => {
    const opt = new tf.optim.Adagrad([tf.zeros([1])]);
    const sched = new S.OneCycleLR(opt, { maxLr: 1, epochs: 4, stepsPerEpoch: 5, cycleMomentum: false });
    expect(sched.totalSteps).toBe(20);
    expect(sched.getLastLr()[0]).toBeCloseTo(1 / 25, 14);
  });

  it('ReduceLROnPlateau: hand-traced sequences (rel/abs thresholds, patience, cooldown, minLr)', () => {
    const opt = sgd();
    const sched = new S.ReduceLROnPlateau(opt, { patience: 2, factor: 0.5, threshold: 0.1, cooldown: 1, minLr: [0.02, 0.02] });
    const metrics = [10, 9.5, 9.2, 9.1, 9.0, 9.0, 8.9, 8.5, 8.5, 8.5, 8.5, 8.5, 8.5, 8.5, 8.5, 8.5, 8.5, 8.5];
    // best 10 → three epochs not 10% better (bad 3 > patience 2) → halve at epoch 4; the
    // cooldown epoch resets the bad count; 8.9 < 9.0 is a new best at epoch 7; halve at 10
    // and 14; then group 0 stops at minLr 0.02 (0.1·1/8 = 0.0125), group 1 never reduces
    // past 0.02.
    const factors = [1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.125, 0.125, 0.125, 0.125, 0.0625];
    const got = metrics.map((m) => {
      sched.step(m);
      return sched.getLastLr();
    });
    expectClose(got.flat(), factors.flatMap((f) => BASE.map((b) => Math.max(b * f, 0.02))), { rtol: 1e-12, what: 'ReduceLROnPlateau' });
    const maxOpt = sgd();
    const s2 = new S.ReduceLROnPlateau(maxOpt, { mode: 'max', thresholdMode: 'abs', threshold: 0.5, patience: 0, factor: 0.1 });
    const got2 = [1, 1.4, 2, 2.4, 2.6].map((m) => {
      s2.step(m);
      return s2.getLastLr()[0];
    });
    // 1 best; 1.4 not > 1.5 → reduce; 2 > 1.5 best; 2.4 not > 2.5 → reduce; 2.6 > 2.5 best
    expectClose(got2, [0.1, 0.01, 0.01, 0.001, 0.001], { rtol: 1e-12 });
  });
});

describe('scheduler state and errors', () => {
  for (const [name, make] of [
    ['CosineAnnealingLR', (o: tf.optim.Optimizer) => new S.CosineAnnealingLR(o, { tMax: 9, etaMin: 0.001 })],
    ['LinearLR', (o: tf.optim.Optimizer) => new S.LinearLR(o, { startFactor: 0.1, totalIters: 12 })],
    ['MultiStepLR', (o: tf.optim.Optimizer) => new S.MultiStepLR(o, { milestones: [3, 8, 8] })],
    ['OneCycleLR', (o: tf.optim.Optimizer) => new S.OneCycleLR(o, { maxLr: 1, totalSteps: 30 })],
  ] as [string, (o: tf.optim.Optimizer) => { step(): void; getLastLr(): number[]; stateDict(): Record<string, unknown>; loadStateDict(s: Record<string, unknown>): void }][]) {
    it(`${name}: stateDict round trip continues the same sequence`, () => {
      const optA = sgd({ momentum: 0.9 });
      const a = make(optA);
      for (let i = 0; i < 5; i++) a.step();
      const sd = a.stateDict();
      expect(sd.last_epoch).toBe(5);
      expect(sd._step_count).toBe(6);
      expect(sd.base_lrs).toBeDefined();
      const optB = sgd({ momentum: 0.9 });
      const b = make(optB);
      optB.loadStateDict(optA.stateDict());
      b.loadStateDict(sd);
      for (let i = 0; i < 20; i++) {
        a.step();
        b.step();
        expect(b.getLastLr()).toEqual(a.getLastLr());
      }
    });
  }

  it('ReduceLROnPlateau stateDict round trip', () => {
    const optA = sgd();
    const a = new S.ReduceLROnPlateau(optA, { patience: 1 });
    [5, 5, 5, 4].forEach((m) => a.step(m));
    const optB = sgd();
    const b = new S.ReduceLROnPlateau(optB, { patience: 1 });
    optB.loadStateDict(optA.stateDict());
    const sd = a.stateDict();
    expect(sd).toMatchObject({ best: 4, num_bad_epochs: 0, patience: 1, mode: 'min', threshold_mode: 'rel' });
    b.loadStateDict(sd);
    [4, 4, 4, 3, 3, 3].forEach((m) => {
      a.step(m);
      b.step(m);
      expect(b.getLastLr()).toEqual(a.getLastLr());
    });
  });

  it('reject bad arguments with typed errors naming the scheduler', () => {
    const opt = sgd();
    expect(() => new S.StepLR(opt, { stepSize: 0 })).toThrow(/StepLR: stepSize must be an integer >= 1, got 0/);
    expect(() => new S.StepLR({} as never, { stepSize: 1 })).toThrow(/StepLR: expected an optimizer/);
    expect(() => new S.MultiStepLR(opt, { milestones: [5, 2] })).toThrow(/MultiStepLR: milestones must be increasing/);
    expect(() => new S.CosineAnnealingLR(opt, { tMax: 0 })).toThrow(tf.ArgumentError);
    expect(() => new S.LinearLR(opt, { startFactor: 0 })).toThrow(/LinearLR: invalid startFactor 0/);
    expect(() => new S.LinearLR(opt, { endFactor: 1.5 })).toThrow(/LinearLR: invalid endFactor 1.5/);
    expect(() => new S.ExponentialLR(opt, { gamma: 0.9, lastEpoch: 3 })).not.toThrow(); // initialLr was set above
    const fresh = sgd();
    expect(() => new S.ExponentialLR(fresh, { gamma: 0.9, lastEpoch: 3 })).toThrow(/ExponentialLR: initialLr is not set in paramGroups\[0\] when resuming/);
    expect(() => new S.OneCycleLR(new tf.optim.Adagrad([tf.zeros([1])]), { maxLr: 1, totalSteps: 10 })).toThrow(/OneCycleLR: cycleMomentum needs an optimizer with momentum or betas; Adagrad has neither/);
    expect(() => new S.OneCycleLR(opt, { maxLr: 1 })).toThrow(/OneCycleLR: give totalSteps, or both epochs and stepsPerEpoch/);
    expect(() => new S.OneCycleLR(opt, { maxLr: [1], totalSteps: 5 })).toThrow(/OneCycleLR: expected 2 values for maxLr/);
    expect(() => new S.OneCycleLR(opt, { maxLr: 1, totalSteps: 5, annealStrategy: 'exp' as never })).toThrow(/annealStrategy must be 'cos' or 'linear'/);
    expect(() => new S.ReduceLROnPlateau(opt, { factor: 1 })).toThrow(/ReduceLROnPlateau: invalid factor 1/);
    expect(() => new S.ReduceLROnPlateau(opt, { mode: 'up' as never })).toThrow(/mode must be 'min' or 'max'/);
    expect(() => new S.ReduceLROnPlateau(opt).step('x' as never)).toThrow(/ReduceLROnPlateau\.step: metric must be a number/);
  });
});
