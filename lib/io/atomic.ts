/**
 * Atomic file writes: the content goes to a temporary file in the target's directory,
 * is fsynced, then renamed over the target (and the directory fsynced where the platform
 * allows it), so a crash during a save leaves either the old file or the new one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { TensorforgeError } from '../errors';

/** Writes through fill(fd) into a temp file, then renames it to filePath. */
export function writeFileAtomic(op: string, filePath: string, fill: (fd: number) => void): void {
  const dir = path.dirname(path.resolve(filePath));
  const tmp = path.join(dir, `.${path.basename(filePath)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, 'wx', 0o644);
    fill(fd);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, filePath);
  } catch (e) {
    if (fd !== null) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* never created, or already renamed */
    }
    if (e instanceof TensorforgeError) throw e;
    throw new TensorforgeError(op, `cannot write ${filePath}: ${(e as Error).message}`);
  }
  syncDir(dir);
}

/** Text (JSON) written atomically. */
export function writeTextAtomic(op: string, filePath: string, text: string): void {
  const buf = Buffer.from(text, 'utf8');
  writeFileAtomic(op, filePath, (fd) => {
    fs.writeSync(fd, buf, 0, buf.length, 0);
  });
}

/** Makes the rename durable (POSIX); a no-op where directories cannot be opened (Windows). */
function syncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    /* not supported on this platform */
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}
