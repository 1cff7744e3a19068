//! The manifest: what every parameter received.

use crate::error::{InitError, PolicyError};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::fan::Fan;
use crate::sampling::SamplerVersion;
use crate::scheme::Scheme;

/// One parameter of the model, as [`Policy::apply`](super::Policy::apply) left it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Dotted path (`encoder.layers.0.fc1.weight`).
    pub path: String,
    /// Type of the owning layer (`Linear`), `""` at the root.
    pub layer: String,
    /// Shape.
    pub shape: Vec<usize>,
    /// Fans used (none for norms, PReLU and 1-D parameters of layers without a weight).
    pub fan: Option<Fan>,
    /// Index of the rule that matched; `None`: the parameter kept its values.
    pub rule: Option<usize>,
    /// The rule in words.
    pub rule_text: Option<String>,
    /// The scheme drawn from (with the rule's gain substitution applied).
    pub scheme: Option<Scheme>,
    /// The rule's multiplier.
    pub multiplier: f64,
    /// Standard deviation the scheme and multiplier target ([`Scheme::std`]).
    pub target_std: Option<f64>,
    /// Mean actually drawn (`None` for lazy results).
    pub drawn_mean: Option<f64>,
    /// Standard deviation actually drawn (`None` for lazy results, drawn on first use).
    pub drawn_std: Option<f64>,
    /// Facts the fans needed that neither a hint nor the layer stated, and the value assumed
    /// (`groups assumed 1`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumptions: Vec<String>,
    /// Where the values are drawn (the same bits either way); `None` for a parameter that kept
    /// its values, and in manifests written before this was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drawn_on: Option<DrawnOn>,
    /// The sampler version that drew it (with the scheme and the key, what reproduces its
    /// bits); version 1 is not written, and a manifest without the field reads as version 1.
    #[serde(default, skip_serializing_if = "is_v1")]
    pub sampler: SamplerVersion,
}

fn is_v1(version: &SamplerVersion) -> bool {
    *version == SamplerVersion::V1
}

/// Where a parameter's values are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DrawnOn {
    /// On the host, then uploaded to the parameter's device.
    Host,
    /// On the parameter's device, by burn-init's own kernel (feature `device-stream`): a lazy draw
    /// whose parameter was on a device the kernel applies to when the policy was applied (moved
    /// with `to_device` before its first use, it is asked again on the new device).
    Device,
}

/// Every parameter, in the model's traversal order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Manifest {
    /// One entry per float parameter (running statistics included, never changed).
    pub entries: Vec<Entry>,
}

impl Manifest {
    /// The entry of `path`.
    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.path == path)
    }

    /// The entries whose values were replaced.
    pub fn initialised(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.rule.is_some())
    }

    /// This manifest with `layer`'s entries added under `prefix`, the layer's field path in the
    /// model (`weight` → `fc1.weight`): one model manifest from layers initialised one by one
    /// with [`InitWith::init_with_manifest`](super::InitWith::init_with_manifest), as
    /// [`Policy::apply`](super::Policy::apply) would have written it for the whole model. An
    /// empty prefix adds the paths as they are. A path already present is refused
    /// ([`PolicyError::DuplicateParameter`]), and the manifest comes back unchanged.
    ///
    /// ```
    /// use burn::nn::LinearConfig;
    /// use burn::tensor::Device;
    /// use burn_init::policy::{InitWith, Manifest};
    /// use burn_init::{FanMode, Key, Nonlinearity, Scheme};
    ///
    /// let (device, key) = (Device::default(), Key::new(0));
    /// let he = Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu);
    /// let (fc1, m1) = LinearConfig::new(784, 256).init_with_manifest(&he, key.for_path("fc1"), &device)?;
    /// let (fc2, m2) = LinearConfig::new(256, 10).init_with_manifest(&he, key.for_path("fc2"), &device)?;
    /// let manifest = Manifest::default().with_layer("fc1", m1)?.with_layer("fc2", m2.clone())?;
    /// assert_eq!(manifest.get("fc2.weight").unwrap().fan.unwrap().fan_in, 256.0);
    /// assert!(manifest.clone().with_layer("fc2", m2).is_err()); // fc2.weight twice
    /// # let _ = (fc1, fc2);
    /// # Ok::<(), burn_init::InitError>(())
    /// ```
    pub fn with_layer(mut self, prefix: &str, layer: Manifest) -> Result<Self, InitError> {
        let under = |path: &str| match prefix {
            "" => path.to_string(),
            _ => format!("{prefix}.{path}"),
        };
        if let Some(path) = layer
            .entries
            .iter()
            .map(|e| under(&e.path))
            .find(|p| self.get(p).is_some())
        {
            return Err(InitError::Policy(PolicyError::DuplicateParameter { path }));
        }
        self.entries.extend(layer.entries.into_iter().map(|mut e| {
            e.path = under(&e.path);
            e
        }));
        Ok(self)
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a manifest always serialises")
    }
}

impl fmt::Display for Manifest {
    /// A table: path, layer, shape, fans, scheme, target and drawn std; then the assumptions made.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .entries
            .iter()
            .map(|e| e.path.len())
            .max()
            .unwrap_or(4)
            .max(4);
        writeln!(
            f,
            "{:<width$}  {:<16} {:<18} {:>15}  {:<18} {:>10} {:>10}",
            "path", "layer", "shape", "fan in/out", "scheme", "target σ", "drawn σ"
        )?;
        let number = |x: Option<f64>| x.map_or("—".to_string(), |x| format!("{x:.4e}"));
        for e in &self.entries {
            let fan = e.fan.map_or("—".to_string(), |fan| {
                format!("{}/{}", fan.fan_in, fan.fan_out)
            });
            let scheme = match &e.scheme {
                Some(s) if e.multiplier != 1.0 => format!("{} ×{:.3}", s.name(), e.multiplier),
                Some(s) => s.name().to_string(),
                None => "(kept)".to_string(),
            };
            writeln!(
                f,
                "{:<width$}  {:<16} {:<18} {:>15}  {:<18} {:>10} {:>10}",
                e.path,
                e.layer,
                format!("{:?}", e.shape),
                fan,
                scheme,
                number(e.target_std),
                number(e.drawn_std)
            )?;
        }
        for e in self.entries.iter().filter(|e| !e.assumptions.is_empty()) {
            writeln!(f, "note: {}: {}", e.path, e.assumptions.join("; "))?;
        }
        Ok(())
    }
}
