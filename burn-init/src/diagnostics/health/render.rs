//! The health as text: the verdict and its reasons first, the fix, the notes, then the signal
//! table.

use std::fmt;

use super::{Finding, Health, Severity, Verdict};

fn sci(x: Option<f64>) -> String {
    match x {
        Some(x) if x.is_finite() => format!("{x:.3e}"),
        _ => "—".to_string(),
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = match self.severity {
            Severity::WillNotTrain => "✗",
            Severity::AtRisk => "!",
            Severity::Note => "·",
        };
        let at = match self.at.as_slice() {
            [] => String::new(),
            [one] => format!(" at `{one}`"),
            [first, .., last] => format!(" at `{first}` … `{last}`"),
        };
        write!(f, "{mark} {}{at}: {}", self.check.name(), self.detail)
    }
}

impl Health {
    /// The verdict, its reasons and the fix: what to print before any table.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "verdict ({}): {}\n",
            self.optimizer.name(),
            self.verdict.name().to_uppercase()
        );
        for reason in self.reasons() {
            s.push_str(&format!("  {reason}\n"));
        }
        if let Some(fix) = &self.fix {
            s.push_str(&format!(
                "fix: {}\n  → under this policy the verdict is {}\n",
                fix.description, fix.verdict
            ));
            for (tried, verdict) in fix.tried.iter().filter(|(d, _)| *d != fix.description) {
                let verdict = verdict.map_or("does not fit".to_string(), |v| v.to_string());
                s.push_str(&format!("  (tried: {tried} → {verdict})\n"));
            }
        }
        s
    }
}

impl fmt::Display for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary())?;
        self.details(f)
    }
}

impl Health {
    /// The notes and the signal table: what follows the summary.
    pub(crate) fn details(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let notes: Vec<&Finding> = self
            .findings
            .iter()
            .filter(|x| x.severity == Severity::Note)
            .collect();
        if !notes.is_empty() {
            writeln!(f, "notes:")?;
            for note in notes {
                writeln!(f, "  {note}")?;
            }
        }
        let w = self
            .signal
            .iter()
            .map(|s| s.name.len())
            .max()
            .unwrap_or(6)
            .max(6);
        writeln!(f)?;
        writeln!(
            f,
            "{:<w$}  {:>6} {:>10} {:>10} {:>10} {:>7} {:>10} {:>10} {:>10}",
            "record",
            "units",
            "E[a²]",
            "gain",
            "from input",
            "band ±",
            "distinct",
            "E[g²]",
            "backward"
        )?;
        for s in &self.signal {
            writeln!(
                f,
                "{:<w$}  {:>6} {:>10} {:>10} {:>10} {:>7.2} {:>10} {:>10} {:>10}",
                s.name,
                s.units,
                sci(Some(s.second_moment)),
                sci(Some(s.gain)),
                sci(Some(s.cumulative)),
                s.band,
                sci(s.distinct),
                sci(s.gradient),
                sci(s.backward),
            )?;
        }
        Ok(())
    }
}
