import { Rng, shuffleInPlace } from '../util/rng';

/**
 * Why balanced sampling rather than class weights: EMNIST dev47-train has 342 to 6,237 images a
 * class while its test set is balanced. Resampling makes every batch see the classes about equally
 * (matching the test prior) while keeping the plain, unweighted loss: the gradient scale stays the
 * one Adam's learning rate was tuned for, and repeated minority images get fresh random
 * augmentations. Class weights of up to 18x would instead make a few batches dominate the updates.
 */

/** The plain epoch order: every training index once, shuffled. */
export function shuffledOrder(indices: ArrayLike<number>, rng: Rng): Int32Array {
  return shuffleInPlace(Int32Array.from(indices), rng);
}

/**
 * A class-balanced epoch order of `size` indices (default: as many as `indices`): each class present
 * gets an equal quota (+-1). Within a class, images are drawn without replacement, cycling through
 * fresh shuffles when the quota exceeds the class, so every image of a small class is used before
 * any repeats and a large class contributes a different random subset each epoch.
 */
export function balancedOrder(
  indices: ArrayLike<number>,
  labels: ArrayLike<number>,
  rng: Rng,
  size: number = indices.length,
): Int32Array {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < indices.length; i++) {
    const label = labels[indices[i]];
    let members = byClass.get(label);
    if (!members) byClass.set(label, (members = []));
    members.push(indices[i]);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  if (classes.length === 0) return new Int32Array(0);
  // The remainder goes to randomly chosen classes, so no class is favoured every epoch.
  const quota = new Array<number>(classes.length).fill(Math.floor(size / classes.length));
  const extra = shuffleInPlace(Int32Array.from(classes.keys()), rng).subarray(0, size % classes.length);
  for (const c of extra) quota[c]++;

  const order = new Int32Array(size);
  let k = 0;
  classes.forEach((label, c) => {
    const members = Int32Array.from(byClass.get(label)!);
    for (let taken = 0; taken < quota[c]; ) {
      shuffleInPlace(members, rng);
      const n = Math.min(members.length, quota[c] - taken);
      order.set(members.subarray(0, n), k);
      k += n;
      taken += n;
    }
  });
  return shuffleInPlace(order, rng);
}

/** Images per class among `indices`, [numClasses]. */
export function classHistogram(indices: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < indices.length; i++) counts[labels[indices[i]]]++;
  return counts;
}
