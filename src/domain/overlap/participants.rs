//! Who is free: some of a query's participants, as one bitmask.

/// Some of a query's participants, as indices into the list passed to the engine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ParticipantSet(pub(super) u128);

impl ParticipantSet {
    pub fn contains(self, index: usize) -> bool {
        index < 128 && (self.0 >> index) & 1 == 1
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The indices in increasing order.
    pub fn iter(self) -> impl Iterator<Item = usize> {
        let mut rest = self.0;
        std::iter::from_fn(move || {
            (rest != 0).then(|| {
                let index = rest.trailing_zeros() as usize;
                rest &= rest - 1;
                index
            })
        })
    }
}

/// Indices of 128 or more are ignored.
impl FromIterator<usize> for ParticipantSet {
    fn from_iter<I: IntoIterator<Item = usize>>(indices: I) -> Self {
        ParticipantSet(
            indices
                .into_iter()
                .filter(|&i| i < 128)
                .fold(0, |bits, i| bits | 1 << i),
        )
    }
}
