/** A count as people write it: `8,000`, `250`. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * A count with its noun, singular for one and plural otherwise: `1 epoch`, `20 epochs`,
 * `1,000 test digits`. Nouns whose plural is not `noun + s` pass it.
 */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${count(n)} ${n === 1 ? noun : nouns}`;
}
