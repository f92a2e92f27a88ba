// Small order statistics for the bench (no dependencies).

export function quantile(values, q) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export const median = (values) => quantile(values, 0.5);

/** { n, median, p25, p75, min, max } */
export function summary(values) {
  return {
    n: values.length,
    median: median(values),
    p25: quantile(values, 0.25),
    p75: quantile(values, 0.75),
    min: Math.min(...values),
    max: Math.max(...values),
  };
}

/** Rounds a number to `digits` significant digits, for JSON that stays readable. */
export function sig(x, digits = 4) {
  if (!Number.isFinite(x) || x === 0) return x;
  return Number(x.toPrecision(digits));
}

export function roundAll(obj, digits = 4) {
  if (typeof obj === 'number') return Number.isInteger(obj) ? obj : sig(obj, digits);
  if (Array.isArray(obj)) return obj.map((v) => roundAll(v, digits));
  if (obj && typeof obj === 'object') {
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, roundAll(v, digits)]));
  }
  return obj;
}
