//! The IDX format of (Fashion-)MNIST (LeCun et al.), read and checked by hand: Burn's own MNIST
//! loader downloads from the web and fails offline, and no crate reads IDX with the checks below.
//!
//! An IDX file is a 4-byte magic `0x00 0x00 <type> <rank>`, `rank` big-endian u32 dimensions, then
//! the elements. (Fashion-)MNIST uses type `0x08` (unsigned byte): images are rank 3
//! `[n, rows, cols]`, labels rank 1 `[n]`. Files may be gzip-compressed (`.gz`, detected by the
//! gzip magic `1f 8b`, not by the name). Every check — magic, type, rank, a dimension of zero, the
//! length against the dimensions, a label outside 0–9, image and label counts — fails with an
//! [`IdxError`] naming the file.

use std::io::Read;
use std::path::{Path, PathBuf};

use thiserror::Error;

/// What is wrong with an IDX file (every variant names the file).
#[derive(Debug, Error, PartialEq)]
pub enum IdxError {
    /// The file cannot be read (missing, unreadable, or a broken gzip stream).
    #[error("{path}: cannot read: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O or gzip error.
        reason: String,
    },
    /// The header is not the IDX header expected.
    #[error("{path}: {reason}")]
    Header {
        /// The file.
        path: PathBuf,
        /// What the header says instead.
        reason: String,
    },
    /// The file holds fewer or more bytes than its dimensions announce.
    #[error(
        "{path}: the header announces {expected} data bytes ({dims:?}) but the file holds {found}"
    )]
    Length {
        /// The file.
        path: PathBuf,
        /// Dimensions from the header.
        dims: Vec<usize>,
        /// Bytes the dimensions announce.
        expected: usize,
        /// Bytes present after the header.
        found: usize,
    },
    /// A label is not a class 0–9.
    #[error("{path}: label {value} at index {index} is not a class 0–9")]
    Label {
        /// The file.
        path: PathBuf,
        /// Position of the first bad label.
        index: usize,
        /// Its value.
        value: u8,
    },
    /// Images and labels disagree in number.
    #[error("{images} holds {n_images} images but {labels} holds {n_labels} labels")]
    Count {
        /// The image file.
        images: PathBuf,
        /// Images in it.
        n_images: usize,
        /// The label file.
        labels: PathBuf,
        /// Labels in it.
        n_labels: usize,
    },
}

/// Images (row-major `u8` pixels) and their labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Images {
    /// Pixels, `len · rows · cols` bytes.
    pub pixels: Vec<u8>,
    /// One class 0–9 per image.
    pub labels: Vec<u8>,
    /// Rows of every image.
    pub rows: usize,
    /// Columns of every image.
    pub cols: usize,
}

impl Images {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there is no image.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Pixels of one image.
    pub fn image(&self, index: usize) -> &[u8] {
        let size = self.rows * self.cols;
        &self.pixels[index * size..(index + 1) * size]
    }
}

/// Reads a whole file, gunzipping it when it starts with the gzip magic.
pub fn read_maybe_gz(path: &Path) -> Result<Vec<u8>, IdxError> {
    let read_error = |e: std::io::Error| IdxError::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let raw = std::fs::read(path).map_err(read_error)?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .map_err(read_error)?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// Parses an IDX byte buffer of unsigned bytes with `rank` dimensions: returns the dimensions
/// and the data. `path` only names the file in errors.
pub fn parse<'a>(
    bytes: &'a [u8],
    rank: u8,
    path: &Path,
) -> Result<(Vec<usize>, &'a [u8]), IdxError> {
    let header = |reason: String| IdxError::Header {
        path: path.to_path_buf(),
        reason,
    };
    if bytes.len() < 4 {
        return Err(header(format!(
            "{} bytes is too short for an IDX header",
            bytes.len()
        )));
    }
    if bytes[0] != 0 || bytes[1] != 0 {
        return Err(header(format!(
            "not an IDX file: magic {:02x} {:02x} {:02x} {:02x}, expected 00 00 08 {rank:02x}",
            bytes[0], bytes[1], bytes[2], bytes[3]
        )));
    }
    if bytes[2] != 0x08 {
        return Err(header(format!(
            "element type 0x{:02x}, expected 0x08 (unsigned byte)",
            bytes[2]
        )));
    }
    if bytes[3] != rank {
        return Err(header(format!(
            "{} dimensions, expected {rank} ({})",
            bytes[3],
            if rank == 3 {
                "an image file"
            } else {
                "a label file"
            }
        )));
    }
    let start = 4 + 4 * rank as usize;
    if bytes.len() < start {
        return Err(header(format!(
            "header cut short: {} bytes, the {rank} dimensions need {start}",
            bytes.len()
        )));
    }
    let dims: Vec<usize> = bytes[4..start]
        .chunks_exact(4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .collect();
    if let Some(axis) = dims.iter().position(|&d| d == 0) {
        return Err(header(format!("dimension {axis} is 0 ({dims:?})")));
    }
    let expected = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| header(format!("dimensions {dims:?} overflow")))?;
    let data = &bytes[start..];
    if data.len() != expected {
        return Err(IdxError::Length {
            path: path.to_path_buf(),
            dims,
            expected,
            found: data.len(),
        });
    }
    Ok((dims, data))
}

/// Reads an image file and its label file (plain or gzip) and checks them against each other.
pub fn read_pair(images: &Path, labels: &Path) -> Result<Images, IdxError> {
    let image_bytes = read_maybe_gz(images)?;
    let label_bytes = read_maybe_gz(labels)?;
    let (dims, pixels) = parse(&image_bytes, 3, images)?;
    let (label_dims, label_data) = parse(&label_bytes, 1, labels)?;
    if dims[0] != label_dims[0] {
        return Err(IdxError::Count {
            images: images.to_path_buf(),
            n_images: dims[0],
            labels: labels.to_path_buf(),
            n_labels: label_dims[0],
        });
    }
    if let Some(index) = label_data.iter().position(|&l| l > 9) {
        return Err(IdxError::Label {
            path: labels.to_path_buf(),
            index,
            value: label_data[index],
        });
    }
    Ok(Images {
        pixels: pixels.to_vec(),
        labels: label_data.to_vec(),
        rows: dims[1],
        cols: dims[2],
    })
}
