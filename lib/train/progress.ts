/**
 * fit()'s output. On a terminal (verbose 1): a progress bar per epoch (cli-progress) with
 * the running loss and metrics, steps per second and the ETA, left on screen with the
 * epoch's final values. Otherwise (verbose 1 without a terminal, or verbose 2): one plain
 * line per epoch, `Epoch 3/10 - loss: 0.1234 - accuracy: 0.9500 - val_loss: 0.2000 - 1.2s`.
 */
import type { Logs } from './callbacks';

/** Where progress goes: process.stdout, or any object with write() (isTTY decides the style). */
export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

interface Bar {
  start(total: number, start: number, payload?: Record<string, unknown>): void;
  update(value: number, payload?: Record<string, unknown>): void;
  stop(): void;
}

/** Keras's number style: 4 decimals, or exponent notation for tiny values. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && a < 1e-3 ? v.toExponential(4) : v.toFixed(4);
}

/** ` - loss: 0.1234 - accuracy: 0.9500` (logs in their order; 'size' and 'batch' left out). */
export function formatLogs(logs: Logs): string {
  let s = '';
  for (const [k, v] of Object.entries(logs)) {
    if (k === 'size' || k === 'batch') continue;
    s += ` - ${k}: ${formatValue(v)}`;
  }
  return s;
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - 60 * m)).padStart(2, '0')}s`;
}

export class Progress {
  private bar: Bar | null = null;
  private t0 = 0;
  private steps: number | null = null;
  private readonly useBar: boolean;

  constructor(readonly verbose: number, readonly stream: ProgressStream, readonly epochs: number) {
    this.useBar = verbose === 1 && stream.isTTY === true;
  }

  epochBegin(epoch: number, steps: number | null): void {
    if (this.verbose === 0) return;
    this.t0 = performance.now();
    this.steps = steps;
    if (!this.useBar || steps === null) return;
    // Loaded on first use: a program that never draws a bar never loads it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cliProgress = require('cli-progress') as { SingleBar: new (opts: Record<string, unknown>, preset?: unknown) => Bar; Presets: Record<string, unknown> };
    const width = String(this.epochs).length;
    this.bar = new cliProgress.SingleBar(
      {
        format: `Epoch ${String(epoch + 1).padStart(width)}/${this.epochs} {bar} {value}/{total}{metrics} - {rate} steps/s - ETA {eta_formatted}`,
        stream: this.stream,
        barsize: 24,
        hideCursor: false,
        clearOnComplete: false,
        linewrap: false,
        fps: 10,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(steps, 0, { metrics: '', rate: '0.0' });
  }

  batchEnd(step: number, running: Logs): void {
    if (this.bar === null) return;
    const sec = (performance.now() - this.t0) / 1000;
    this.bar.update(step + 1, { metrics: formatLogs(running), rate: sec > 0 ? ((step + 1) / sec).toFixed(1) : '0.0' });
  }

  epochEnd(epoch: number, logs: Logs): void {
    if (this.verbose === 0) return;
    const sec = (performance.now() - this.t0) / 1000;
    if (this.bar !== null) {
      const done = this.steps ?? 0;
      this.bar.update(done, { metrics: formatLogs(logs), rate: sec > 0 ? (done / sec).toFixed(1) : '0.0' });
      this.bar.stop();
      this.bar = null;
      return;
    }
    this.stream.write(`Epoch ${epoch + 1}/${this.epochs}${formatLogs(logs)} - ${formatSeconds(sec)}\n`);
  }

  /** Stops a bar left running by an exception. */
  close(): void {
    if (this.bar !== null) {
      this.bar.stop();
      this.bar = null;
    }
  }
}
