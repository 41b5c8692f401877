//! Bounded capture of a child's output stream: the first `head` bytes, the last `tail` bytes,
//! and the count of what fell in between.

use std::collections::VecDeque;

#[derive(Debug, Clone, Default)]
pub struct Captured {
    head: Vec<u8>,
    tail: VecDeque<u8>,
    head_cap: usize,
    tail_cap: usize,
    total: u64,
}

impl Captured {
    pub fn new(head_cap: usize, tail_cap: usize) -> Self {
        Captured {
            head: Vec::new(),
            tail: VecDeque::new(),
            head_cap,
            tail_cap,
            total: 0,
        }
    }

    pub fn push(&mut self, mut data: &[u8]) {
        self.total += data.len() as u64;
        if self.head.len() < self.head_cap {
            let n = (self.head_cap - self.head.len()).min(data.len());
            self.head.extend_from_slice(&data[..n]);
            data = &data[n..];
        }
        if self.tail_cap == 0 || data.is_empty() {
            return;
        }
        if data.len() >= self.tail_cap {
            self.tail.clear();
            self.tail.extend(&data[data.len() - self.tail_cap..]);
        } else {
            let overflow = (self.tail.len() + data.len()).saturating_sub(self.tail_cap);
            self.tail.drain(..overflow);
            self.tail.extend(data);
        }
    }

    /// Total bytes the stream produced.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Bytes that were produced but not kept.
    pub fn elided(&self) -> u64 {
        self.total - self.head.len() as u64 - self.tail.len() as u64
    }

    /// The kept text; when bytes were elided, a marker line says how many.
    pub fn text(&self) -> String {
        let mut s = String::from_utf8_lossy(&self.head).into_owned();
        let elided = self.elided();
        if elided > 0 {
            if !s.ends_with('\n') {
                s.push('\n');
            }
            s.push_str(&format!("[... {elided} bytes elided ...]\n"));
        }
        let (a, b) = self.tail.as_slices();
        let mut t = a.to_vec();
        t.extend_from_slice(b);
        s.push_str(&String::from_utf8_lossy(&t));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_everything_when_small() {
        let mut c = Captured::new(8, 8);
        c.push(b"hello ");
        c.push(b"world");
        assert_eq!(c.text(), "hello world");
        assert_eq!(c.elided(), 0);
        assert_eq!(c.total(), 11);
    }

    #[test]
    fn keeps_head_and_tail_and_counts_the_rest() {
        let mut c = Captured::new(4, 4);
        for chunk in [&b"0123"[..], b"456789", b"ab", b"cdef"] {
            c.push(chunk);
        }
        assert_eq!(c.total(), 16);
        assert_eq!(c.elided(), 8);
        assert_eq!(c.text(), "0123\n[... 8 bytes elided ...]\ncdef");
    }

    #[test]
    fn one_huge_chunk() {
        let mut c = Captured::new(2, 3);
        c.push(b"abcdefghij");
        assert_eq!(c.text(), "ab\n[... 5 bytes elided ...]\nhij");
    }
}
