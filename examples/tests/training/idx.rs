//! The IDX reader on the shipped files and on corrupt ones.

use std::io::Write;
use std::path::{Path, PathBuf};

use burn_init_examples::training::data;
use burn_init_examples::training::idx::{self, IdxError};

use super::temp_dir;

fn header(kind: u8, rank: u8, dims: &[u32]) -> Vec<u8> {
    let mut out = vec![0, 0, kind, rank];
    for d in dims {
        out.extend_from_slice(&d.to_be_bytes());
    }
    out
}

/// `n` images of `side`×`side` whose pixel (i, p) is (i·7 + p·13) mod 256, labels i mod 10.
fn write_set(dir: &Path, prefix: &str, n: u32, side: u32, gz: bool) {
    let mut images = header(8, 3, &[n, side, side]);
    for i in 0..n {
        for p in 0..side * side {
            images.push(((i * 7 + p * 13) % 256) as u8);
        }
    }
    let mut labels = header(8, 1, &[n]);
    labels.extend((0..n).map(|i| (i % 10) as u8));
    write(dir, &format!("{prefix}-images-idx3-ubyte"), &images, gz);
    write(dir, &format!("{prefix}-labels-idx1-ubyte"), &labels, gz);
}

fn write(dir: &Path, name: &str, bytes: &[u8], gz: bool) -> PathBuf {
    if gz {
        let path = dir.join(format!("{name}.gz"));
        let mut enc = flate2::write::GzEncoder::new(
            std::fs::File::create(&path).unwrap(),
            Default::default(),
        );
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap();
        path
    } else {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

#[test]
fn the_shipped_test_split_is_fashion_mnist() {
    let dir = data::shipped_dir();
    let set = idx::read_pair(
        &dir.join("t10k-images-idx3-ubyte.gz"),
        &dir.join("t10k-labels-idx1-ubyte.gz"),
    )
    .unwrap();
    assert_eq!((set.len(), set.rows, set.cols), (10_000, 28, 28));
    // Published facts of the Fashion-MNIST test split (checked with Python's gzip module):
    // labels 9 2 1 1 6 first, 1 000 images per class, pixel sum of image 0 = 33 456.
    assert_eq!(&set.labels[..5], &[9, 2, 1, 1, 6]);
    for class in 0..10 {
        assert_eq!(set.labels.iter().filter(|&&l| l == class).count(), 1000);
    }
    assert_eq!(set.image(0).iter().map(|&p| p as u32).sum::<u32>(), 33_456);
}

#[test]
fn the_shipped_folder_splits_8000_2000_and_standardises() {
    let (split, summary) = data::load(&data::shipped_dir()).unwrap();
    assert_eq!((split.train.len(), split.valid.len()), (8000, 2000));
    assert_eq!(
        (summary.n_train, summary.n_valid, summary.features),
        (8000, 2000, 784)
    );
    // Standardised with the first 8 000 images only (computed here from the raw bytes): using
    // all 10 000, validation included, would leak and move the mean by ≈ 10⁻³.
    let raw = idx::read_pair(
        &data::shipped_dir().join("t10k-images-idx3-ubyte.gz"),
        &data::shipped_dir().join("t10k-labels-idx1-ubyte.gz"),
    )
    .unwrap();
    let train_pixels = &raw.pixels[..8000 * 784];
    let mean = train_pixels.iter().map(|&p| p as f64).sum::<f64>() / (8000.0 * 784.0 * 255.0);
    let all = raw.pixels.iter().map(|&p| p as f64).sum::<f64>() / (10000.0 * 784.0 * 255.0);
    assert!(
        (summary.pixel_mean - mean).abs() < 1e-9,
        "{} vs {mean}",
        summary.pixel_mean
    );
    assert!(
        (mean - all).abs() > 1e-4,
        "the check cannot tell the two apart"
    );
    // Image 1's pixel 300, standardised by hand.
    let p = raw.image(1)[300] as f64 / 255.0;
    let want = ((p - mean) / summary.pixel_std) as f32;
    assert!((split.train.image(1)[300] - want).abs() < 1e-5);
    // The validation images are the last 2 000 of the file.
    assert_eq!(split.valid.labels[0], raw.labels[8000]);
    assert_eq!(split.train.labels[7999], raw.labels[7999]);
}

#[test]
fn a_full_folder_trains_on_train_and_validates_on_t10k_plain_or_gz() {
    for gz in [false, true] {
        let dir = temp_dir(&format!("full-{gz}"));
        write_set(&dir, "train", 30, 4, gz);
        write_set(&dir, "t10k", 12, 4, !gz);
        let (split, summary) = data::load(&dir).unwrap();
        assert_eq!(
            (split.train.len(), split.valid.len(), summary.features),
            (30, 12, 16)
        );
        // Standardised with the training pixels: their mean is 0 and their variance 1.
        let f = &split.train.features;
        let mean = f.iter().map(|&v| v as f64).sum::<f64>() / f.len() as f64;
        let var = f.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / f.len() as f64;
        assert!(
            mean.abs() < 1e-6 && (var - 1.0).abs() < 1e-5,
            "{mean} {var}"
        );
        // The validation pixel (i=1, p=2) = 7 + 26 = 33, standardised with the training moments.
        let want = ((33.0 / 255.0 - summary.pixel_mean) / summary.pixel_std) as f32;
        assert!((split.valid.image(1)[2] - want).abs() < 1e-6);
        assert_eq!(split.valid.labels[..3], [0, 1, 2]);
    }
}

fn corrupt(name: &str, images: Vec<u8>, labels: Vec<u8>) -> (PathBuf, IdxError) {
    let dir = temp_dir(name);
    write(&dir, "t10k-images-idx3-ubyte", &images, false);
    write(&dir, "t10k-labels-idx1-ubyte", &labels, false);
    let error = data::load(&dir).unwrap_err();
    (dir, error)
}

fn good_images(n: u32) -> Vec<u8> {
    let mut v = header(8, 3, &[n, 2, 2]);
    v.extend((0..4 * n).map(|i| i as u8));
    v
}

fn good_labels(n: u32) -> Vec<u8> {
    let mut v = header(8, 1, &[n]);
    v.extend((0..n).map(|i| (i % 10) as u8));
    v
}

#[test]
fn corrupt_files_are_refused_with_the_file_named() {
    let image_file = |d: &Path| d.join("t10k-images-idx3-ubyte");
    let label_file = |d: &Path| d.join("t10k-labels-idx1-ubyte");

    let mut bad = good_images(20);
    bad[2] = 0x0d; // float type
    let (dir, e) = corrupt("type", bad, good_labels(20));
    assert!(
        matches!(&e, IdxError::Header { path, reason } if *path == image_file(&dir) && reason.contains("0x0d")),
        "{e}"
    );

    let mut bad = good_images(20);
    bad[0] = 0x1f; // not an IDX magic
    let (dir, e) = corrupt("magic", bad, good_labels(20));
    assert!(
        matches!(&e, IdxError::Header { path, reason } if *path == image_file(&dir) && reason.contains("magic")),
        "{e}"
    );

    let (dir, e) = corrupt("rank", good_labels(20), good_labels(20));
    assert!(
        matches!(&e, IdxError::Header { path, .. } if *path == image_file(&dir)),
        "{e}"
    );

    let mut truncated = good_images(20);
    truncated.truncate(truncated.len() - 3);
    let (dir, e) = corrupt("truncated", truncated, good_labels(20));
    assert_eq!(
        e,
        IdxError::Length {
            path: image_file(&dir),
            dims: vec![20, 2, 2],
            expected: 80,
            found: 77
        }
    );

    let (dir, e) = corrupt("count", good_images(20), good_labels(19));
    assert_eq!(
        e,
        IdxError::Count {
            images: image_file(&dir),
            n_images: 20,
            labels: label_file(&dir),
            n_labels: 19
        }
    );

    let mut labels = good_labels(20);
    labels[8 + 5] = 10;
    let (dir, e) = corrupt("label", good_images(20), labels);
    assert_eq!(
        e,
        IdxError::Label {
            path: label_file(&dir),
            index: 5,
            value: 10
        }
    );

    let (dir, e) = corrupt("short", vec![0, 0], good_labels(20));
    assert!(
        matches!(&e, IdxError::Header { path, .. } if *path == image_file(&dir)),
        "{e}"
    );

    let (dir, e) = corrupt("zero-dim", header(8, 3, &[20, 0, 2]), good_labels(20));
    assert!(
        matches!(&e, IdxError::Header { path, reason } if *path == image_file(&dir) && reason.contains("dimension 1 is 0")),
        "{e}"
    );
}

#[test]
fn missing_and_broken_files_are_refused_with_the_file_named() {
    let dir = temp_dir("missing");
    let e = data::load(&dir).unwrap_err();
    assert!(
        e.to_string().contains("t10k-images-idx3-ubyte") && e.to_string().contains("missing"),
        "{e}"
    );

    write(&dir, "t10k-images-idx3-ubyte", &good_images(20), false);
    let e = data::load(&dir).unwrap_err();
    assert!(e.to_string().contains("t10k-labels-idx1-ubyte"), "{e}");

    let e = data::load(&dir.join("nowhere")).unwrap_err();
    assert!(
        e.to_string().contains("nowhere") && e.to_string().contains("not a folder"),
        "{e}"
    );

    // A gzip stream cut in half.
    let gz_dir = temp_dir("broken-gz");
    let full = write(&gz_dir, "t10k-images-idx3-ubyte", &good_images(200), true);
    let bytes = std::fs::read(&full).unwrap();
    std::fs::write(&full, &bytes[..bytes.len() / 2]).unwrap();
    write(&gz_dir, "t10k-labels-idx1-ubyte", &good_labels(200), true);
    let e = data::load(&gz_dir).unwrap_err();
    assert!(
        matches!(&e, IdxError::Read { path, .. } if *path == full),
        "{e}"
    );
}
