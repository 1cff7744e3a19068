//! What training did, decided from training alone, and how far the verdict agreed — exactly the
//! rule of `docs/verdict-study-rule.md`, committed before any run.

use burn_init::diagnostics::Verdict;
use serde::{Deserialize, Serialize};

use super::plan::{Protocol, good_init};
use crate::training::measure::MeanSe;

/// What training did to a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The validation cross-entropy is not below ln 10 by 5 standard errors (and, from v4 on, the
    /// validation accuracy is not above 10 % by 5 standard errors).
    AtChance,
    /// Neither at chance nor within 10 points of the best run of its group.
    TrainsSlowly,
    /// Not at chance, and within 10 accuracy points of the best run of its group.
    TrainsWell,
}

impl Outcome {
    /// Every outcome, in the matrix's column order.
    pub const ALL: [Outcome; 3] = [Self::AtChance, Self::TrainsSlowly, Self::TrainsWell];

    /// `stays at chance`, `trains slowly`, `trains well`.
    pub fn name(self) -> &'static str {
        match self {
            Self::AtChance => "stays at chance",
            Self::TrainsSlowly => "trains slowly",
            Self::TrainsWell => "trains well",
        }
    }
}

/// One run beside its verdict: what the study records and the rule reads.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Row {
    /// `study` (this study's runs) or `main job` (docs/study's runs, 3 epochs of batch 100).
    pub source: String,
    /// The architecture (`mlp`, `residual`, `cnn`, `transformer`).
    pub architecture: String,
    /// The initialisation's name.
    pub init: String,
    /// `adam` or `sgd`: the verdict is for this optimiser.
    pub optimizer: String,
    /// Root of the keys and of the data order.
    pub seed: u64,
    /// The verdict at initialisation (none: the diagnosis could not be made).
    pub verdict: Option<Verdict>,
    /// The verdict's reasons: check and the layers it names.
    pub reasons: Vec<String>,
    /// The fix the diagnosis proposes, and the verdict under it.
    pub fix: Option<String>,
    /// Per-image cross-entropy on the validation images after training.
    pub valid_loss: MeanSe,
    /// Validation accuracy (percent) after training.
    pub accuracy: MeanSe,
    /// What training did (filled by [`classify`]).
    pub outcome: Option<Outcome>,
    /// 1, ½ or 0 (filled by [`classify`]).
    pub agreement: f64,
    /// Whether the matrix counts it: not when its group is void (v2: the group's good
    /// initialisation stays at chance). Filled by [`classify`].
    #[serde(default = "counted")]
    pub counted: bool,
}

fn counted() -> bool {
    true
}

impl Row {
    /// The group whose best run sets "trains well": same source, architecture and optimiser.
    fn group(&self) -> (&str, &str, &str) {
        (&self.source, &self.architecture, &self.optimizer)
    }

    /// `source: architecture/init optimizer seed s`.
    pub fn label(&self) -> String {
        let source = if self.source == "study" {
            String::new()
        } else {
            format!("{}: ", self.source)
        };
        format!(
            "{source}{}/{} {} seed {}",
            self.architecture, self.init, self.optimizer, self.seed
        )
    }
}

/// Chance on ten classes: the cross-entropy of the uniform prediction, ln 10.
pub const CHANCE: f64 = std::f64::consts::LN_10;
/// Standard errors below chance that a run's loss must reach to count as learning.
pub const CHANCE_MARGIN_SE: f64 = 5.0;
/// Accuracy points below its group's best within which a run trains well.
pub const WELL_WITHIN: f64 = 10.0;

/// Whether a validation loss stays at chance: not below ln 10 by 5 SE (a non-finite loss or
/// error, a diverged run, stays at chance).
pub fn at_chance(loss: &MeanSe) -> bool {
    let below = loss.mean.is_finite()
        && loss.se.is_finite()
        && loss.mean < CHANCE - CHANCE_MARGIN_SE * loss.se;
    !below
}

/// Chance's accuracy on ten classes, percent.
pub const CHANCE_ACCURACY: f64 = 10.0;

/// Whether a validation accuracy (percent) stays at chance: not above 10 % by 5 SE (a
/// non-finite accuracy or error stays at chance).
pub fn accuracy_at_chance(accuracy: &MeanSe) -> bool {
    let above = accuracy.mean.is_finite()
        && accuracy.se.is_finite()
        && accuracy.mean > CHANCE_ACCURACY + CHANCE_MARGIN_SE * accuracy.se;
    !above
}

/// Whether `row` stays at chance under `protocol`: its loss does (every protocol) and, from v4 on,
/// its accuracy does too (`docs/verdict-study-rule-v4.md`: a run at 54 % whose confident errors
/// carry its cross-entropy above ln 10 has learned).
pub fn stays_at_chance(row: &Row, protocol: Protocol) -> bool {
    at_chance(&row.valid_loss) && (!protocol.accuracy_counts() || accuracy_at_chance(&row.accuracy))
}

/// The rule's credit for `verdict` against `outcome`: 1 when they match (*will not train* ↔ at
/// chance, *at risk* ↔ slowly, *trains* ↔ well), ½ for an *at risk* run that trains well or a
/// *trains* run that trains slowly, 0 otherwise (and with no verdict).
pub fn agreement(verdict: Option<Verdict>, outcome: Outcome) -> f64 {
    use Outcome::*;
    use Verdict::*;
    match (verdict, outcome) {
        (Some(WillNotTrain), AtChance)
        | (Some(AtRisk), TrainsSlowly)
        | (Some(Trains), TrainsWell) => 1.0,
        (Some(AtRisk), TrainsWell) | (Some(Trains), TrainsSlowly) => 0.5,
        _ => 0.0,
    }
}

/// Fills every row's outcome, agreement and whether it counts: at chance by [`stays_at_chance`];
/// otherwise well when its accuracy is within [`WELL_WITHIN`] points of the best accuracy of its
/// group (same source, architecture and optimiser, over initialisations and seeds), slowly when
/// not. Under `protocol` v2 a group whose good initialisation ([`good_init`]) stays at chance on
/// every seed is void.
pub fn classify(rows: &mut [Row], protocol: Protocol) {
    let best: Vec<f64> = rows
        .iter()
        .map(|r| {
            rows.iter()
                .filter(|o| o.group() == r.group())
                .map(|o| o.accuracy.mean)
                .filter(|a| a.is_finite())
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .collect();
    for (row, best) in rows.iter_mut().zip(best) {
        let outcome = if stays_at_chance(row, protocol) {
            Outcome::AtChance
        } else if row.accuracy.mean >= best - WELL_WITHIN {
            Outcome::TrainsWell
        } else {
            Outcome::TrainsSlowly
        };
        row.outcome = Some(outcome);
        row.agreement = agreement(row.verdict, outcome);
    }
    let void: Vec<bool> = rows
        .iter()
        .map(|r| {
            let good = good_init(&r.architecture);
            let mut goods = rows
                .iter()
                .filter(|o| o.group() == r.group() && Some(&o.init) == good.as_ref())
                .peekable();
            protocol.voids_uninformative_groups()
                && goods.peek().is_some()
                && goods.all(|o| o.outcome == Some(Outcome::AtChance))
        })
        .collect();
    for (row, void) in rows.iter_mut().zip(void) {
        row.counted = !void;
    }
}

/// The verdicts against the outcomes, and the rule's three goals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Confusion {
    /// `counts[v][o]`: runs with verdict v (trains, at risk, will not train; then "no verdict")
    /// and outcome o (at chance, slowly, well).
    pub counts: [[usize; 3]; 4],
    /// Runs.
    pub runs: usize,
    /// Σ agreement / runs.
    pub agreement: f64,
    /// Runs at chance, and those of them judged *will not train*.
    pub at_chance: (usize, usize),
    /// Runs that train well, and those of them judged *trains*.
    pub well: (usize, usize),
}

impl Confusion {
    /// The verdicts in the matrix's row order.
    pub const VERDICTS: [Option<Verdict>; 4] = [
        Some(Verdict::Trains),
        Some(Verdict::AtRisk),
        Some(Verdict::WillNotTrain),
        None,
    ];

    /// The matrix of the classified `rows` that count.
    pub fn of(rows: &[Row]) -> Self {
        let mut counts = [[0; 3]; 4];
        let (mut chance, mut well) = ((0, 0), (0, 0));
        let rows: Vec<&Row> = rows.iter().filter(|r| r.counted).collect();
        for row in &rows {
            let Some(outcome) = row.outcome else { continue };
            let v = Self::VERDICTS
                .iter()
                .position(|&v| v == row.verdict)
                .unwrap_or(3);
            let o = Outcome::ALL.iter().position(|&o| o == outcome).unwrap_or(0);
            counts[v][o] += 1;
            if outcome == Outcome::AtChance {
                chance.0 += 1;
                chance.1 += usize::from(row.verdict == Some(Verdict::WillNotTrain));
            }
            if outcome == Outcome::TrainsWell {
                well.0 += 1;
                well.1 += usize::from(row.verdict == Some(Verdict::Trains));
            }
        }
        let runs = rows.iter().filter(|r| r.outcome.is_some()).count();
        let total: f64 = rows
            .iter()
            .filter(|r| r.outcome.is_some())
            .map(|r| r.agreement)
            .sum();
        Self {
            counts,
            runs,
            agreement: if runs == 0 {
                f64::NAN
            } else {
                total / runs as f64
            },
            at_chance: chance,
            well,
        }
    }

    /// Whether the rule's goals hold: every run at chance *will not train*, every run that
    /// trains well *trains*, agreement ≥ 95 %.
    pub fn meets_goal(&self) -> bool {
        self.at_chance.0 == self.at_chance.1 && self.well.0 == self.well.1 && self.agreement >= 0.95
    }
}
