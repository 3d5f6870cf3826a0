//! A reader that turns CR LF and lone CR line endings into LF and remembers
//! where each LF is, so every catalogue row gets its exact line number.
//!
//! The `csv` crate reports the line where it *started looking* for a record:
//! after a CR LF ending it stops at the CR, so the LF and any blank lines
//! that follow are counted into the next record and its line is one or more
//! too small. Here every line ending becomes a single LF before `csv` sees
//! it (which `csv` treats exactly like CR LF or CR, so records are split the
//! same way), and [`LineEndings::blank_lines_at`] tells how many blank lines
//! `csv` skipped before a record really starts. A CR inside a quoted field
//! becomes an LF: both are control characters, which the import rejects
//! anyway.

use std::collections::VecDeque;
use std::io::{self, Read};

/// See the [module documentation](self).
pub(super) struct LineEndings<R> {
    inner: R,
    /// The last byte read was a CR (already passed on as an LF).
    after_cr: bool,
    /// Bytes passed on so far.
    offset: u64,
    /// Offsets of the LFs passed on that may still be asked about.
    newlines: VecDeque<u64>,
}

impl<R: Read> LineEndings<R> {
    pub(super) fn new(inner: R) -> Self {
        LineEndings {
            inner,
            after_cr: false,
            offset: 0,
            newlines: VecDeque::new(),
        }
    }

    /// How many LFs follow one another from byte `start` on: the blank lines
    /// `csv` skips before a record that it places at `start`. Forgets every
    /// LF before `start`, so `start` must not decrease between calls.
    pub(super) fn blank_lines_at(&mut self, start: u64) -> u64 {
        while self.newlines.front().is_some_and(|&at| at < start) {
            self.newlines.pop_front();
        }
        let mut blank = 0;
        for &at in &self.newlines {
            if at != start + blank {
                break;
            }
            blank += 1;
        }
        blank
    }
}

impl<R: Read> Read for LineEndings<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            let read = self.inner.read(out)?.min(out.len());
            if read == 0 {
                return Ok(0);
            }
            let mut kept = 0;
            for i in 0..read {
                let byte = match (out[i], self.after_cr) {
                    (b'\n', true) => {
                        self.after_cr = false;
                        continue;
                    }
                    (b'\r', _) => {
                        self.after_cr = true;
                        b'\n'
                    }
                    (other, _) => {
                        self.after_cr = false;
                        other
                    }
                };
                if byte == b'\n' {
                    self.newlines.push_back(self.offset);
                }
                out[kept] = byte;
                kept += 1;
                self.offset += 1;
            }
            // A chunk that was only the LF of a CR LF: read on rather than
            // return 0, which would mean the end of the input.
            if kept > 0 {
                return Ok(kept);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalized(input: &[u8], chunk: usize) -> Vec<u8> {
        struct Chunks<'a>(&'a [u8], usize);
        impl Read for Chunks<'_> {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(self.1).min(out.len());
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut out = Vec::new();
        LineEndings::new(Chunks(input, chunk))
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn every_ending_becomes_lf_across_chunks() {
        for chunk in 1..8 {
            assert_eq!(
                normalized(b"a\r\nb\rc\n\r\n\r\rd", chunk),
                b"a\nb\nc\n\n\n\nd"
            );
        }
    }

    #[test]
    fn blank_lines() {
        let mut reader = LineEndings::new(&b"a\r\n\r\n\nb\n"[..]);
        let mut out = Vec::new();
        reader.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"a\n\n\nb\n");
        assert_eq!(reader.blank_lines_at(0), 0);
        assert_eq!(reader.blank_lines_at(2), 2);
        assert_eq!(reader.blank_lines_at(5), 1);
        assert_eq!(reader.blank_lines_at(6), 0);
    }
}
