//! Reading CSV as sources publish it: UTF-8 with or without BOM or
//! Windows-1252, comma, semicolon, tab or pipe separated, streamed row by
//! row so that large files import in constant memory.

use std::io::{BufRead, BufReader, Read};

#[derive(Debug, thiserror::Error)]
pub enum CsvInputError {
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("line {line}: {message}")]
    Malformed { line: usize, message: String },
    #[error("the file has no header line")]
    NoHeader,
}

/// Sniffed when the file is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Windows1252,
}

/// A data row: its line number and (column, value) pairs in header order.
pub type NumberedRow = (usize, Vec<(String, String)>);

/// A CSV file as an iterator of `(line number, [(column, value)])`.
pub struct CsvReader {
    records: csv::StringRecordsIntoIter<Box<dyn Read + Send>>,
    header: Vec<String>,
    pub encoding: Encoding,
    pub delimiter: u8,
}

/// Bytes looked at to decide encoding and delimiter.
const SNIFF: usize = 64 * 1024;

impl CsvReader {
    pub fn new(input: impl Read + Send + 'static) -> Result<Self, CsvInputError> {
        let mut buffered = BufReader::with_capacity(SNIFF, input);
        let head = buffered.fill_buf()?.to_vec();
        let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
        // A sample cut mid-character is still UTF-8 if the error is at its end.
        let encoding = match std::str::from_utf8(head) {
            Ok(_) => Encoding::Utf8,
            Err(e) if e.error_len().is_none() => Encoding::Utf8,
            Err(_) => Encoding::Windows1252,
        };
        let first_line = head.split(|b| *b == b'\n').next().unwrap_or_default();
        let delimiter = [b',', b';', b'\t', b'|']
            .into_iter()
            .max_by_key(|d| first_line.iter().filter(|b| *b == d).count())
            .unwrap_or(b',');
        let stream: Box<dyn Read + Send> = match encoding {
            Encoding::Utf8 => Box::new(buffered),
            Encoding::Windows1252 => Box::new(Windows1252ToUtf8 { inner: buffered, pending: Vec::new() }),
        };
        let mut reader =
            csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).has_headers(true).from_reader(stream);
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| CsvInputError::Malformed { line: 1, message: e.to_string() })?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_owned())
            .collect();
        if header.iter().all(String::is_empty) {
            return Err(CsvInputError::NoHeader);
        }
        Ok(Self { records: reader.into_records(), header, encoding, delimiter })
    }

    pub fn header(&self) -> &[String] {
        &self.header
    }
}

impl Iterator for CsvReader {
    type Item = Result<NumberedRow, CsvInputError>;

    fn next(&mut self) -> Option<Self::Item> {
        let record = self.records.next()?;
        Some(match record {
            Ok(r) => {
                let line = r.position().map_or(0, |p| p.line() as usize);
                Ok((line, self.header.iter().cloned().zip(r.iter().map(str::to_owned)).collect()))
            }
            Err(e) => Err(CsvInputError::Malformed {
                line: e.position().map_or(0, |p| p.line() as usize),
                message: e.to_string(),
            }),
        })
    }
}

/// Decodes Windows-1252 to UTF-8 as it streams (every byte is one character).
struct Windows1252ToUtf8<R> {
    inner: R,
    pending: Vec<u8>,
}

impl<R: BufRead> Read for Windows1252ToUtf8<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pending.is_empty() {
            let chunk = self.inner.fill_buf()?;
            if chunk.is_empty() {
                return Ok(0);
            }
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(chunk);
            self.pending = text.into_owned().into_bytes();
            let n = chunk.len();
            self.inner.consume(n);
        }
        let n = out.len().min(self.pending.len());
        out[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(bytes: &'static [u8]) -> (CsvReader, Vec<NumberedRow>) {
        let mut r = CsvReader::new(bytes).unwrap();
        let rows = r.by_ref().map(Result::unwrap).collect();
        (r, rows)
    }

    #[test]
    fn reads_semicolon_files_with_a_bom() {
        let (r, rows) = rows("\u{feff}nom;commune\nFablab;Ruffec\n\"A; B\";Angoulême\n".as_bytes());
        assert_eq!((r.delimiter, r.encoding), (b';', Encoding::Utf8));
        assert_eq!(r.header(), ["nom", "commune"]);
        assert_eq!(rows[0], (2, vec![("nom".into(), "Fablab".into()), ("commune".into(), "Ruffec".into())]));
        assert_eq!(rows[1].1[0].1, "A; B");
        assert_eq!(rows[1].1[1].1, "Angoulême");
    }

    #[test]
    fn decodes_windows_1252() {
        // "Médiathèque,Angoulême" in Windows-1252.
        let bytes: &'static [u8] = b"nom,commune\nM\xe9diath\xe8que,Angoul\xeame\n";
        let (r, rows) = rows(bytes);
        assert_eq!(r.encoding, Encoding::Windows1252);
        assert_eq!(rows[0].1[0].1, "Médiathèque");
        assert_eq!(rows[0].1[1].1, "Angoulême");
    }

    #[test]
    fn tabs_pipes_and_multiline_fields() {
        let (r, read) = rows(b"a\tb\n1\t\"deux\nlignes\"\n3\t4\n");
        assert_eq!(r.delimiter, b'\t');
        assert_eq!(read[0].1[1].1, "deux\nlignes");
        assert_eq!(read[1].0, 4, "line numbers count physical lines");
        let (r, _) = rows(b"a|b\n1|2\n");
        assert_eq!(r.delimiter, b'|');
        assert!(matches!(CsvReader::new(&b""[..]), Err(CsvInputError::NoHeader)));
    }
}
