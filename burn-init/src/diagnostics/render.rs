//! The report as text: one table of parameters, one of activations, then the flags.

use std::fmt;

use super::flags::Flag;
use super::report::Report;

fn sci(x: Option<f64>) -> String {
    x.map_or("—".to_string(), |x| format!("{x:.3e}"))
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Flag::VarianceMismatch {
                predicted,
                measured,
                sigmas,
            } => write!(
                f,
                "variance {measured:.4e} vs predicted {predicted:.4e} ({sigmas:.1} SE)"
            ),
            Flag::StdMismatch {
                target,
                drawn,
                sigmas,
            } => write!(
                f,
                "drawn std {drawn:.4e} vs manifest target {target:.4e} ({sigmas:.1} SE)"
            ),
            Flag::Fp16Overflow { fraction } => {
                write!(f, "{:.3} % above the FP16 maximum 65504", 100.0 * fraction)
            }
            Flag::Fp16Subnormal { fraction } => write!(
                f,
                "{:.3} % below the smallest normal FP16 (6.1e-5)",
                100.0 * fraction
            ),
            Flag::Dead { fraction } => write!(f, "{:.1} % exactly zero", 100.0 * fraction),
            Flag::Symmetric { units } => {
                write!(f, "{units} units are exact copies of another unit")
            }
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.health.summary())?;
        let pw = self
            .parameters
            .iter()
            .map(|p| p.path.len())
            .max()
            .unwrap_or(4)
            .max(9);
        writeln!(
            f,
            "{:<pw$}  {:<12} {:<16} {:>13} {:>10} {:>10} {:>10} {:>10}",
            "parameter",
            "layer",
            "shape",
            "fan in/out",
            "target σ",
            "drawn σ",
            "grad rms",
            "grad/w"
        )?;
        for p in &self.parameters {
            let fan = p.fan.map_or("—".to_string(), |fan| {
                format!("{}/{}", fan.fan_in, fan.fan_out)
            });
            writeln!(
                f,
                "{:<pw$}  {:<12} {:<16} {:>13} {:>10} {:>10} {:>10} {:>10}",
                p.path,
                p.layer,
                format!("{:?}", p.shape),
                fan,
                sci(p.target_std),
                sci(Some(p.values.var.sqrt())),
                sci(p.gradient.as_ref().map(|g| g.rms)),
                sci(p.grad_to_weight),
            )?;
        }
        let aw = self
            .activations
            .iter()
            .map(|a| a.name.len())
            .max()
            .unwrap_or(4)
            .max(10);
        writeln!(f)?;
        writeln!(
            f,
            "{:<aw$}  {:<18} {:>10} {:>10} {:>10} {:>10} {:>6} {:>7} {:>10} {:>9}",
            "activation",
            "shape",
            "mean",
            "variance",
            "predicted",
            "± SE",
            "z",
            "zero %",
            "grad rms",
            "int8 s"
        )?;
        for a in &self.activations {
            writeln!(
                f,
                "{:<aw$}  {:<18} {:>10} {:>10} {:>10} {:>10} {:>6} {:>7.2} {:>10} {:>9}",
                a.name,
                format!("{:?}", a.shape),
                sci(Some(a.values.mean)),
                sci(Some(a.values.var)),
                sci(a.predicted_var),
                sci(a.predicted_var.map(|_| a.se)),
                a.z.map_or("—".to_string(), |z| format!("{z:+.1}")),
                100.0 * a.values.zero_fraction,
                sci(a.gradient.as_ref().map(|g| g.rms)),
                sci(a.int8_scale),
            )?;
        }
        self.health.details(f)?;
        writeln!(f)?;
        let flags = self.flags();
        if flags.is_empty() {
            writeln!(f, "no flags (loss {:.4e})", self.loss)?;
        }
        for (place, flag) in flags {
            writeln!(f, "flag: {place}: {flag}")?;
        }
        if !self.backward {
            writeln!(
                f,
                "note: the loss was not tracked by autodiff (build the model on `device.autodiff()` for gradients)"
            )?;
        }
        Ok(())
    }
}
