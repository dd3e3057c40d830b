//! Response bodies: `Content-Encoding` undone as the bytes arrive, under a
//! byte cap counted after decompression (a gzip bomb stops at the cap).

use std::io::Write;

/// Why a body could not be read.
#[derive(Debug)]
pub(super) enum BodyError {
    /// More than the cap, before or after decompression.
    TooLarge,
    /// The encoded stream is broken.
    Corrupt(String),
}

/// The error a [`Bounded`] writer raises past its cap, found again in the
/// decoder's error.
#[derive(Debug)]
struct OverLimit;

impl std::fmt::Display for OverLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("body over the byte limit")
    }
}
impl std::error::Error for OverLimit {}

/// Bytes kept up to a cap; a write past it fails.
struct Bounded {
    buf: Vec<u8>,
    limit: u64,
    over: bool,
}

impl Write for Bounded {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.buf.len() as u64 + data.len() as u64 > self.limit {
            self.over = true;
            return Err(std::io::Error::other(OverLimit));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

enum Inner {
    Identity(Bounded),
    Gzip(Box<flate2::write::MultiGzDecoder<Bounded>>),
    Deflate(Box<flate2::write::ZlibDecoder<Bounded>>),
    Brotli(Box<brotli_decompressor::DecompressorWriter<Bounded>>),
}

/// A body being decoded.
pub(super) struct Decoder {
    inner: Inner,
    raw: u64,
    limit: u64,
}

impl Decoder {
    /// A decoder for a `Content-Encoding` value; an encoding rasad does not
    /// know leaves the bytes as they came.
    pub(super) fn new(encoding: Option<&str>, limit: u64) -> Decoder {
        let out = Bounded {
            buf: Vec::new(),
            limit,
            over: false,
        };
        let enc = encoding.unwrap_or("").trim().to_ascii_lowercase();
        let inner = match enc.as_str() {
            "gzip" | "x-gzip" => Inner::Gzip(Box::new(flate2::write::MultiGzDecoder::new(out))),
            "deflate" => Inner::Deflate(Box::new(flate2::write::ZlibDecoder::new(out))),
            "br" => Inner::Brotli(Box::new(brotli_decompressor::DecompressorWriter::new(
                out, 4096,
            ))),
            _ => Inner::Identity(out),
        };
        Decoder {
            inner,
            raw: 0,
            limit,
        }
    }

    /// Feeds the next bytes of the body as they came off the wire.
    pub(super) fn push(&mut self, data: &[u8]) -> Result<(), BodyError> {
        self.raw += data.len() as u64;
        if self.raw > self.limit {
            return Err(BodyError::TooLarge);
        }
        let r = self.writer().write_all(data);
        let over = self.out().over;
        match r {
            Ok(()) => Ok(()),
            Err(_) if over => Err(BodyError::TooLarge),
            Err(e) => Err(BodyError::Corrupt(e.to_string())),
        }
    }

    /// Bytes held so far: as they came and as decoded.
    pub(super) fn held(&self) -> u64 {
        let raw = match self.inner {
            Inner::Identity(_) => 0,
            _ => self.raw,
        };
        self.out().buf.len() as u64 + raw
    }

    /// Where the bytes go as they come.
    fn writer(&mut self) -> &mut dyn Write {
        match &mut self.inner {
            Inner::Identity(w) => w,
            Inner::Gzip(d) => d.as_mut(),
            Inner::Deflate(d) => d.as_mut(),
            Inner::Brotli(d) => d.as_mut(),
        }
    }

    /// The decoded bytes so far.
    fn out(&self) -> &Bounded {
        match &self.inner {
            Inner::Identity(w) => w,
            Inner::Gzip(d) => d.get_ref(),
            Inner::Deflate(d) => d.get_ref(),
            Inner::Brotli(d) => d.get_ref(),
        }
    }

    /// The whole decoded body, once the last bytes are in.
    pub(super) fn finish(self) -> Result<Vec<u8>, BodyError> {
        let out = match self.inner {
            Inner::Identity(w) => Ok(w),
            Inner::Gzip(d) => d.finish(),
            Inner::Deflate(d) => d.finish(),
            Inner::Brotli(d) => d
                .into_inner()
                .map_err(|_| std::io::Error::other("truncated brotli stream")),
        };
        match out {
            Ok(w) => Ok(w.buf),
            Err(e) if e.get_ref().is_some_and(|inner| inner.is::<OverLimit>()) => {
                Err(BodyError::TooLarge)
            }
            Err(e) => Err(BodyError::Corrupt(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).expect("gzip");
        e.finish().expect("gzip")
    }

    fn decode(
        enc: Option<&str>,
        body: &[u8],
        limit: u64,
        chunk: usize,
    ) -> Result<Vec<u8>, BodyError> {
        let mut d = Decoder::new(enc, limit);
        for c in body.chunks(chunk.max(1)) {
            d.push(c)?;
        }
        d.finish()
    }

    #[test]
    fn gzip_deflate_and_brotli_decode_in_any_chunking() {
        let text = "الحسكة — قامشلو — Qamişlo ".repeat(500);
        let gz = gzip(text.as_bytes());
        for chunk in [1, 7, 4096] {
            let out = decode(Some("gzip"), &gz, 1 << 20, chunk).expect("gzip");
            assert_eq!(out, text.as_bytes());
        }
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(text.as_bytes()).expect("zlib");
        let z = z.finish().expect("zlib");
        assert_eq!(
            decode(Some("deflate"), &z, 1 << 20, 100).expect("deflate"),
            text.as_bytes()
        );
        let mut br = brotli::CompressorWriter::new(Vec::new(), 4096, 5, 22);
        br.write_all(text.as_bytes()).expect("brotli");
        let br = br.into_inner();
        assert_eq!(
            decode(Some("br"), &br, 1 << 20, 33).expect("br"),
            text.as_bytes()
        );
        assert!(matches!(
            decode(Some("br"), &br, 1000, 33),
            Err(BodyError::TooLarge)
        ));
        // no or unknown encoding: the bytes as they came
        assert_eq!(decode(None, b"plain", 10, 2).expect("plain"), b"plain");
        assert_eq!(
            decode(Some("zstd"), b"as is", 10, 2).expect("unknown"),
            b"as is"
        );
    }

    #[test]
    fn a_bomb_stops_at_the_cap() {
        let bomb = gzip(&vec![b'x'; 20 << 20]);
        assert!(bomb.len() < 100_000);
        let r = decode(Some("gzip"), &bomb, 1 << 20, 8192);
        assert!(
            matches!(r, Err(BodyError::TooLarge)),
            "{:?}",
            r.map(|v| v.len())
        );
        // the wire bytes are capped too
        let r = decode(None, &vec![b'y'; 2000], 1000, 512);
        assert!(matches!(r, Err(BodyError::TooLarge)));
    }

    #[test]
    fn a_broken_stream_is_corrupt_not_empty() {
        let mut gz = gzip(b"some text that is long enough to be worth compressing at all");
        gz.truncate(gz.len() / 2);
        let r = decode(Some("gzip"), &gz, 1 << 20, 16);
        assert!(
            matches!(r, Err(BodyError::Corrupt(_))),
            "{:?}",
            r.map(|v| v.len())
        );
        let r = decode(Some("gzip"), b"not gzip at all", 1 << 20, 16);
        assert!(matches!(r, Err(BodyError::Corrupt(_))));
    }
}
