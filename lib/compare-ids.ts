/**
 * Orders ids by their code units, the same on the server and in the browser. Not
 * `localeCompare`: its first call in a page loads the collation data (tens of ms on a phone,
 * on the first render's path), and ids are ASCII names whose order needs no locale.
 */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
