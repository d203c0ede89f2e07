//! Deterministic stratified train/test splitting (SplitMix64, so results do not depend on any RNG crate).

use std::collections::BTreeMap;

/// SplitMix64: tiny, fast and fully specified, so a seed gives the same split on every platform.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform integer in `0..bound` (`bound` > 0), by rejection so there is no modulo bias.
    pub fn below(&mut self, bound: usize) -> usize {
        let bound = bound as u64;
        let zone = u64::MAX - u64::MAX % bound;
        loop {
            let r = self.next_u64();
            if r < zone {
                return (r % bound) as usize;
            }
        }
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// The stratification key of each example: its (emotion, intensity) classes, 5 for a missing
/// label, so both scales keep their proportions in the held-out split.
pub fn split_keys(examples: &[crate::Example]) -> Vec<(usize, usize)> {
    examples
        .iter()
        .map(|e| {
            (
                e.emotion.map_or(5, |c| c.index()),
                e.intensity.map_or(5, |c| c.index()),
            )
        })
        .collect()
}

/// Splits item indices into (train, test), each sorted, so every stratum (items with equal keys) sends
/// `round(test_fraction × size)` of its items to test, but keeps at least one item of a stratum of two
/// or more on each side.
pub fn stratified_split<K: Ord + Copy>(
    keys: &[K],
    test_fraction: f64,
    seed: u64,
) -> (Vec<usize>, Vec<usize>) {
    let mut strata: BTreeMap<K, Vec<usize>> = BTreeMap::new();
    for (i, &k) in keys.iter().enumerate() {
        strata.entry(k).or_default().push(i);
    }
    let mut rng = SplitMix64::new(seed);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for members in strata.values_mut() {
        rng.shuffle(members);
        let size = members.len();
        let wanted = (size as f64 * test_fraction).round() as usize;
        let n_test = if size >= 2 {
            wanted.clamp(1, size - 1)
        } else {
            0
        };
        test.extend_from_slice(&members[..n_test]);
        train.extend_from_slice(&members[n_test..]);
    }
    train.sort_unstable();
    test.sort_unstable();
    (train, test)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_class_proportions_and_never_overlaps() {
        let keys: Vec<u8> = (0..1000)
            .map(|i| [0, 0, 0, 1, 1, 2, 3, 3, 3, 4][i % 10])
            .collect();
        let (train, test) = stratified_split(&keys, 0.2, 7);
        assert_eq!(train.len() + test.len(), keys.len());
        let mut all: Vec<usize> = train.iter().chain(&test).copied().collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(
            all.len(),
            keys.len(),
            "train and test overlap or lose items"
        );
        for class in 0..5u8 {
            let total = keys.iter().filter(|&&k| k == class).count();
            let in_test = test.iter().filter(|&&i| keys[i] == class).count();
            assert_eq!(
                in_test,
                (total as f64 * 0.2).round() as usize,
                "class {class}"
            );
        }
    }

    #[test]
    fn is_deterministic_per_seed() {
        let keys: Vec<u8> = (0..500).map(|i| (i % 3) as u8).collect();
        assert_eq!(
            stratified_split(&keys, 0.2, 1),
            stratified_split(&keys, 0.2, 1)
        );
        assert_ne!(
            stratified_split(&keys, 0.2, 1).1,
            stratified_split(&keys, 0.2, 2).1
        );
    }

    #[test]
    fn small_strata_keep_one_on_each_side() {
        let (train, test) = stratified_split(&[0, 0, 1], 0.2, 3);
        assert_eq!(test.len(), 1);
        assert_eq!(train.len(), 2);
        assert!(
            test.iter().all(|&i| i < 2),
            "a singleton stratum stays in train"
        );
    }

    #[test]
    fn splitmix_matches_the_reference_sequence() {
        // First outputs of SplitMix64 seeded with 1234567 (reference implementation by Vigna).
        let mut rng = SplitMix64::new(1234567);
        assert_eq!(rng.next_u64(), 6457827717110365317);
        assert_eq!(rng.next_u64(), 3203168211198807973);
    }
}
