//! A reader that turns CR LF and lone CR line endings into LF, so that
//! every catalogue row gets its exact line number by counting LFs.
//!
//! The `csv` crate reports the line where it *started looking* for a record:
//! after a CR LF ending it stops at the CR, so the LF and any blank lines
//! that follow are counted into the next record and its line is one or more
//! too small. Here every line ending becomes a single LF before `csv` sees
//! it (which `csv` treats exactly like CR LF or CR, so records are split the
//! same way), and the importer skips the LFs before a record's byte offset
//! to find the line where it really starts. A CR inside a quoted field
//! becomes an LF: both are control characters, which the import rejects
//! anyway.

use std::io::{self, Read};

/// See the [module documentation](self).
pub(super) struct LineEndings<R> {
    inner: R,
    /// The last byte read was a CR (already passed on as an LF).
    after_cr: bool,
}

impl<R: Read> LineEndings<R> {
    pub(super) fn new(inner: R) -> Self {
        LineEndings {
            inner,
            after_cr: false,
        }
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
                out[kept] = byte;
                kept += 1;
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
}
