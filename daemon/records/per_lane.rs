//! [`PerLane`]: one value per [`Lane`], read and written by lane, iterated
//! in lane order (urgent first). The one place a lane becomes an index.

use super::Lane;

/// One `T` per lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PerLane<T>([T; 2]);

impl<T> PerLane<T> {
    /// A value per lane, made by `f`.
    pub fn new(mut f: impl FnMut(Lane) -> T) -> Self {
        PerLane(Lane::ALL.map(&mut f))
    }

    pub fn get(&self, lane: Lane) -> &T {
        &self.0[index(lane)]
    }

    pub fn get_mut(&mut self, lane: Lane) -> &mut T {
        &mut self.0[index(lane)]
    }

    /// Every lane with its value, urgent first.
    pub fn iter(&self) -> impl Iterator<Item = (Lane, &T)> {
        Lane::ALL.into_iter().zip(self.0.iter())
    }

    /// The values as the store takes them (indexed by [`Lane::as_i64`]).
    pub fn into_array(self) -> [T; 2] {
        self.0
    }
}

impl<T> From<[T; 2]> for PerLane<T> {
    /// Values indexed by [`Lane::as_i64`], as the store returns them.
    fn from(values: [T; 2]) -> Self {
        PerLane(values)
    }
}

/// The position of `lane` in [`Lane::ALL`] (and in the store's arrays).
fn index(lane: Lane) -> usize {
    match lane {
        Lane::Urgent => 0,
        Lane::Bulk => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_index_as_the_store_does() {
        let mut p = PerLane::new(|l| l.as_i64());
        assert_eq!(p.into_array(), [0, 1]);
        *p.get_mut(Lane::Bulk) = 7;
        assert_eq!(*p.get(Lane::Bulk), 7);
        assert_eq!(*p.get(Lane::Urgent), 0);
        let order: Vec<Lane> = p.iter().map(|(l, _)| l).collect();
        assert_eq!(order, Lane::ALL);
        assert_eq!(PerLane::from([3, 4]).get(Lane::Urgent), &3);
    }
}
