/**
 * The non-dominated items when every metric is maximised: an item is dropped if another is at
 * least as good in every metric and strictly better in one. O(n²), fine for a few hundred
 * configurations. Order of the input is kept.
 */
export function paretoFront<T>(items: readonly T[], metrics: (item: T) => readonly number[]): T[] {
  const values = items.map(metrics);
  return items.filter((_, i) => !values.some((other, j) => j !== i && dominates(other, values[i])));
}

export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let strictlyBetter = false;
  for (let m = 0; m < a.length; m++) {
    if (a[m] < b[m]) return false;
    if (a[m] > b[m]) strictlyBetter = true;
  }
  return strictlyBetter;
}
