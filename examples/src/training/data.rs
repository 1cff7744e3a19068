//! The study's data: Fashion-MNIST (or MNIST) images as Burn datasets and batches.
//!
//! By default the study reads the Fashion-MNIST **test split** that ships in this repository
//! (`examples/data/fashion-mnist`, 10 000 images, MIT) and splits it deterministically: the first
//! 8 000 images train, the last 2 000 validate (the split is a fixed rule, not a draw, so every
//! machine gets the same one; the file's classes are interleaved: 776–827 images per class in the
//! first 8 000, 173–224 in the last 2 000). `--data DIR` reads a full IDX folder instead: `train-images-idx3-ubyte` and
//! `train-labels-idx1-ubyte` train, `t10k-*` validate (each plain or `.gz`); a folder with only
//! the `t10k-*` pair is split like the shipped one.
//!
//! Pixels are scaled to [0, 1] and standardised with the mean and standard deviation of the
//! training images, so that the network's input has unit variance — the premise of every
//! variance-preserving initialisation.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::{Dataset, DatasetError};
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::Serialize;

use super::idx::{self, IdxError, Images};

/// The folder of the Fashion-MNIST test split shipped with the repository.
pub fn shipped_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/fashion-mnist")
}

/// `dir` relative to the workspace when it lies inside it (reports then name the same folder on
/// every machine), else as given.
fn shown(dir: &Path) -> String {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent();
    workspace
        .and_then(|w| dir.strip_prefix(w).ok())
        .unwrap_or(dir)
        .display()
        .to_string()
}

/// Images to train on and to validate on, standardised with the training statistics.
#[derive(Debug, Clone)]
pub struct Split {
    /// Training images.
    pub train: ImageSet,
    /// Validation images.
    pub valid: ImageSet,
    /// Where they came from, in words.
    pub source: String,
}

/// Where the data came from and how it was split (for the report).
#[derive(Debug, Clone, Serialize)]
pub struct DataSummary {
    /// Folder and files.
    pub source: String,
    /// Training images.
    pub n_train: usize,
    /// Validation images.
    pub n_valid: usize,
    /// Pixels per image.
    pub features: usize,
    /// Mean of the training pixels (in [0, 1]) used to standardise.
    pub pixel_mean: f64,
    /// Standard deviation of the training pixels used to standardise.
    pub pixel_std: f64,
}

impl Split {
    /// The first `n_train` training and `n_valid` validation images (all of them when fewer).
    pub fn head(&self, n_train: usize, n_valid: usize) -> Split {
        Split {
            train: self.train.head(n_train),
            valid: self.valid.head(n_valid),
            source: self.source.clone(),
        }
    }
}

/// Standardised images, shared between the dataset items and the batcher.
#[derive(Debug, Clone)]
pub struct ImageSet {
    /// `len × features` standardised pixels, row-major.
    pub features: Arc<Vec<f32>>,
    /// Class 0–9 of each image.
    pub labels: Arc<Vec<u8>>,
    /// Image height and width.
    pub rows: usize,
    /// Image width.
    pub cols: usize,
}

impl ImageSet {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Pixels per image.
    pub fn width(&self) -> usize {
        self.rows * self.cols
    }

    /// The standardised pixels of image `index`.
    pub fn image(&self, index: usize) -> &[f32] {
        &self.features[index * self.width()..(index + 1) * self.width()]
    }

    /// The first `n` images (all of them when fewer).
    pub fn head(&self, n: usize) -> ImageSet {
        let n = n.min(self.len());
        ImageSet {
            features: Arc::new(self.features[..n * self.width()].to_vec()),
            labels: Arc::new(self.labels[..n].to_vec()),
            rows: self.rows,
            cols: self.cols,
        }
    }

    /// The images `indices` as one `[n, features]` batch on `device`.
    pub fn batch(&self, indices: &[usize], device: &Device) -> ImageBatch {
        let width = self.width();
        let mut x = Vec::with_capacity(indices.len() * width);
        for &i in indices {
            x.extend_from_slice(self.image(i));
        }
        let y: Vec<i64> = indices.iter().map(|&i| self.labels[i] as i64).collect();
        ImageBatch {
            images: Tensor::from_data(TensorData::new(x, [indices.len(), width]), device),
            labels: Tensor::from_data(TensorData::new(y, [indices.len()]), device),
        }
    }
}

/// A batch: standardised images `[n, rows·cols]` and labels `[n]`.
#[derive(Debug, Clone)]
pub struct ImageBatch {
    /// Standardised pixels.
    pub images: Tensor<2>,
    /// Classes.
    pub labels: Tensor<1, Int>,
}

/// A dataset item: the index of an image in its [`ImageSet`] (items stay one word; the batcher
/// reads the pixels).
#[derive(Debug, Clone, Copy)]
pub struct Item(pub usize);

impl Dataset<Item> for ImageSet {
    fn get(&self, index: usize) -> Result<Item, DatasetError> {
        Ok(Item(index))
    }

    fn len(&self) -> usize {
        self.labels.len()
    }
}

/// Turns items of one [`ImageSet`] into an [`ImageBatch`].
#[derive(Debug, Clone)]
pub struct ImageBatcher(pub ImageSet);

impl Batcher<Item, ImageBatch> for ImageBatcher {
    fn batch(&self, items: Vec<Item>, device: &Device) -> ImageBatch {
        let indices: Vec<usize> = items.iter().map(|i| i.0).collect();
        self.0.batch(&indices, device)
    }
}

/// The plain or gzip file `dir/name` (plain first), or the `.gz` name for the error.
fn find(dir: &Path, name: &str) -> Option<PathBuf> {
    [name.to_string(), format!("{name}.gz")]
        .into_iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

fn pair(dir: &Path, prefix: &str) -> Result<Option<Images>, IdxError> {
    let images = find(dir, &format!("{prefix}-images-idx3-ubyte"));
    let labels = find(dir, &format!("{prefix}-labels-idx1-ubyte"));
    match (images, labels) {
        (Some(images), Some(labels)) => idx::read_pair(&images, &labels).map(Some),
        (None, None) => Ok(None),
        (images, _) => {
            let kind = if images.is_none() { "images" } else { "labels" };
            let name = dir.join(format!(
                "{prefix}-{kind}-idx{}-ubyte[.gz]",
                if kind == "images" { 3 } else { 1 }
            ));
            Err(IdxError::Read {
                path: name,
                reason: "missing (its partner file is there)".into(),
            })
        }
    }
}

fn standardise(images: &Images, indices: std::ops::Range<usize>, mean: f64, std: f64) -> ImageSet {
    let size = images.rows * images.cols;
    let (mean, inv) = (mean as f32, (1.0 / std) as f32);
    let features = images.pixels[indices.start * size..indices.end * size]
        .iter()
        .map(|&p| (p as f32 / 255.0 - mean) * inv)
        .collect();
    ImageSet {
        features: Arc::new(features),
        labels: Arc::new(images.labels[indices].to_vec()),
        rows: images.rows,
        cols: images.cols,
    }
}

fn moments(pixels: &[u8]) -> (f64, f64) {
    let n = pixels.len() as f64;
    let (mut s, mut s2) = (0.0f64, 0.0f64);
    for &p in pixels {
        let v = p as f64 / 255.0;
        s += v;
        s2 += v * v;
    }
    let mean = s / n;
    (mean, (s2 / n - mean * mean).max(0.0).sqrt())
}

/// Reads `dir` (see the [module documentation](self)): the training pair and the `t10k` pair,
/// or the `t10k` pair alone split 80 / 20.
pub fn load(dir: &Path) -> Result<(Split, DataSummary), IdxError> {
    if !dir.is_dir() {
        return Err(IdxError::Read {
            path: dir.to_path_buf(),
            reason: "not a folder".into(),
        });
    }
    let test = pair(dir, "t10k")?.ok_or_else(|| IdxError::Read {
        path: dir.join("t10k-images-idx3-ubyte[.gz]"),
        reason: "missing: the folder needs at least the t10k images and labels".into(),
    })?;
    let (train_images, train_range, valid_images, valid_range, source) = match pair(dir, "train")? {
        Some(train) => {
            if (train.rows, train.cols) != (test.rows, test.cols) {
                return Err(IdxError::Header {
                    path: dir.join("train-images-idx3-ubyte"),
                    reason: format!(
                        "images are {}×{} but the t10k images are {}×{}",
                        train.rows, train.cols, test.rows, test.cols
                    ),
                });
            }
            let (nt, nv) = (train.len(), test.len());
            let source = format!(
                "{}: train-* ({nt}) train, t10k-* ({nv}) validate",
                shown(dir)
            );
            (train, 0..nt, test.clone(), 0..nv, source)
        }
        None => {
            let n = test.len();
            if n < 10 {
                return Err(IdxError::Header {
                    path: dir.join("t10k-images-idx3-ubyte"),
                    reason: format!("{n} images are too few to split into train and validation"),
                });
            }
            let cut = n * 4 / 5;
            let source = format!(
                "{}: t10k-* split, images 0..{cut} train, {cut}..{n} validate",
                shown(dir)
            );
            (test.clone(), 0..cut, test, cut..n, source)
        }
    };
    let size = train_images.rows * train_images.cols;
    let (mean, std) =
        moments(&train_images.pixels[train_range.start * size..train_range.end * size]);
    if std <= 0.0 {
        return Err(IdxError::Header {
            path: dir.to_path_buf(),
            reason: "every training pixel has the same value: nothing to standardise".into(),
        });
    }
    let train = standardise(&train_images, train_range, mean, std);
    let valid = standardise(&valid_images, valid_range, mean, std);
    let summary = DataSummary {
        source: source.clone(),
        n_train: train.len(),
        n_valid: valid.len(),
        features: size,
        pixel_mean: mean,
        pixel_std: std,
    };
    Ok((
        Split {
            train,
            valid,
            source,
        },
        summary,
    ))
}
