/**
 * JSON that keeps what plain JSON loses in optimizer and scheduler states: non-finite
 * numbers (ReduceLROnPlateau's best = Infinity) become {"__float__": "Infinity"}.
 */
const FLOAT_TAG = '__float__';

export function encodeJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? { [FLOAT_TAG]: String(v) } : v));
}

export function decodeJson(text: string): unknown {
  return JSON.parse(text, (_k, v) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === FLOAT_TAG && typeof v[FLOAT_TAG] === 'string') return Number(v[FLOAT_TAG]);
    }
    return v;
  });
}
