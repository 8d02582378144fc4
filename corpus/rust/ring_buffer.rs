//! A fixed-capacity ring buffer (circular queue).
//!
//! Pushing onto a full buffer either fails or overwrites the oldest element,
//! depending on which method is called. No allocation happens after `new`.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Full<T>(pub T);

impl<T> fmt::Display for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ring buffer is full")
    }
}

pub struct RingBuffer<T> {
    slots: Vec<Option<T>>,
    head: usize, // index of the oldest element
    len: usize,
}

impl<T> RingBuffer<T> {
    /// Creates an empty buffer that holds at most `capacity` elements.
    ///
    /// # Panics
    /// Panics if `capacity` is zero.
    pub fn new(capacity: usize) -> Self {
        assert!(capacity > 0, "capacity must be non-zero");
        let slots = (0..capacity).map(|_| None).collect();
        RingBuffer {
            slots,
            head: 0,
            len: 0,
        }
    }

    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn is_full(&self) -> bool {
        self.len == self.capacity()
    }

    /// Appends `value`, handing it back inside `Err(Full)` if there is no room.
    pub fn try_push(&mut self, value: T) -> Result<(), Full<T>> {
        if self.is_full() {
            return Err(Full(value));
        }
        let tail = (self.head + self.len) % self.capacity();
        self.slots[tail] = Some(value);
        self.len += 1;
        Ok(())
    }

    /// Appends `value`, evicting and returning the oldest element when full.
    /// Typical use: keep the last N samples, e.g. 温度 readings → moving average.
    pub fn push_overwrite(&mut self, value: T) -> Option<T> {
        if !self.is_full() {
            self.try_push(value).ok();
            return None;
        }
        let evicted = self.slots[self.head].replace(value);
        self.head = (self.head + 1) % self.capacity();
        evicted
    }

    /// Removes and returns the oldest element.
    pub fn pop(&mut self) -> Option<T> {
        if self.is_empty() {
            return None;
        }
        let value = self.slots[self.head].take();
        self.head = (self.head + 1) % self.capacity();
        self.len -= 1;
        value
    }

    /// Returns the element `index` positions after the oldest one.
    pub fn get(&self, index: usize) -> Option<&T> {
        if index >= self.len {
            return None;
        }
        self.slots[(self.head + index) % self.capacity()].as_ref()
    }

    /// Iterates from the oldest to the newest element.
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        (0..self.len).filter_map(move |i| self.get(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_around_and_overwrites() {
        let mut rb = RingBuffer::new(3);
        for i in 1..=3 {
            rb.try_push(i).unwrap();
        }
        assert_eq!(rb.try_push(4), Err(Full(4)));
        assert_eq!(rb.push_overwrite(4), Some(1));
        assert_eq!(rb.iter().copied().collect::<Vec<_>>(), vec![2, 3, 4]);
        assert_eq!(rb.pop(), Some(2));
        assert_eq!(rb.len(), 2);
    }
}
