//! What burn-train reports during a run: a [`HistoryLogger`] that keeps every value for the
//! report, and a [`BarRenderer`] that shows one indicatif progress bar per split and prints one
//! line per epoch.
//!
//! burn-train's own non-TUI renderer prints a debug line per batch and no metric value, and its
//! TUI needs a terminal; the bar is drawn on stderr only when it is a terminal (indicatif hides
//! it otherwise), so CI logs get the epoch lines alone.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use burn::train::LearnerSummary;
use burn::train::logger::{EvaluationProgressLogger, MetricLogger, TrainingProgressLogger};
use burn::train::metric::store::{EpochSummary, MetricsUpdate, Split};
use burn::train::metric::{MetricDefinition, MetricId, NumericEntry};
use burn::train::renderer::{
    EvaluationName, MetricState, MetricsRenderer, MetricsRendererEvaluation,
    MetricsRendererTraining,
};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

/// Epoch means of one epoch (NaN where a metric is not registered).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EpochRecord {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss.
    pub train_loss: f64,
    /// Mean training accuracy in percent.
    pub train_accuracy: Option<f64>,
    /// Mean validation loss.
    pub valid_loss: f64,
    /// Validation accuracy in percent.
    pub valid_accuracy: Option<f64>,
}

/// Every value burn-train reported for one run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct History {
    /// The training loss of every iteration, in order (iteration 0 is the loss at
    /// initialisation: the step computes it before the optimiser moves).
    pub train_loss: Vec<f64>,
    /// The training accuracy (percent) of every iteration, for classifiers.
    pub train_accuracy: Vec<f64>,
    /// Per-epoch means.
    pub epochs: Vec<EpochRecord>,
}

impl History {
    fn epoch(&mut self, epoch: usize) -> &mut EpochRecord {
        while self.epochs.len() < epoch {
            let n = self.epochs.len() + 1;
            self.epochs.push(EpochRecord {
                epoch: n,
                train_loss: f64::NAN,
                train_accuracy: None,
                valid_loss: f64::NAN,
                valid_accuracy: None,
            });
        }
        &mut self.epochs[epoch - 1]
    }
}

/// A burn-train [`MetricLogger`] that writes every numeric value into a shared [`History`].
pub struct HistoryLogger {
    history: Arc<Mutex<History>>,
    names: HashMap<MetricId, String>,
}

impl HistoryLogger {
    /// A logger writing into `history`.
    pub fn new(history: Arc<Mutex<History>>) -> Self {
        Self {
            history,
            names: HashMap::new(),
        }
    }
}

impl MetricLogger for HistoryLogger {
    fn log(&mut self, update: MetricsUpdate, epoch: usize, split: &Split) {
        let mut history = self.history.lock().unwrap_or_else(|e| e.into_inner());
        for numeric in update.entries_numeric {
            let Some(name) = self.names.get(&numeric.entry.metric_id) else {
                continue;
            };
            let is_loss = name == "Loss";
            match (numeric.numeric_entry, split) {
                (Some(NumericEntry::Final(value)), Split::Train) => {
                    let record = history.epoch(epoch);
                    if is_loss {
                        record.train_loss = value;
                    } else {
                        record.train_accuracy = Some(value);
                    }
                }
                (Some(NumericEntry::Final(value)), Split::Valid) => {
                    let record = history.epoch(epoch);
                    if is_loss {
                        record.valid_loss = value;
                    } else {
                        record.valid_accuracy = Some(value);
                    }
                }
                (Some(entry), Split::Train) => {
                    let value = entry.current();
                    if is_loss {
                        history.train_loss.push(value);
                    } else {
                        history.train_accuracy.push(value);
                    }
                }
                _ => {}
            }
        }
    }

    fn read_numeric(
        &mut self,
        _name: &str,
        _epoch: usize,
        _split: &Split,
    ) -> Result<Vec<NumericEntry>, String> {
        Err("the study's history logger keeps values for the report only".into())
    }

    fn log_metric_definition(&mut self, definition: MetricDefinition) {
        self.names
            .insert(definition.metric_id, definition.name.to_string());
    }

    fn log_epoch_summary(&mut self, _summary: EpochSummary) {}
}

/// One progress bar per split and one line per epoch with the metric values.
pub struct BarRenderer {
    label: String,
    total_epochs: usize,
    bar: Option<ProgressBar>,
    names: HashMap<MetricId, String>,
    finals: BTreeMap<(&'static str, String), f64>,
}

impl BarRenderer {
    /// A renderer whose lines start with `label` (the run's name).
    pub fn new(label: &str) -> Self {
        Self {
            label: label.to_string(),
            total_epochs: 0,
            bar: None,
            names: HashMap::new(),
            finals: BTreeMap::new(),
        }
    }

    fn record(&mut self, split: &'static str, state: MetricState) {
        if let MetricState::Numeric(entry, Some(NumericEntry::Final(value))) = state
            && let Some(name) = self.names.get(&entry.metric_id)
        {
            self.finals.insert((split, name.clone()), value);
        }
    }

    fn values(&self, split: &'static str) -> String {
        self.finals
            .iter()
            .filter(|((s, _), _)| *s == split)
            .map(|((_, name), v)| {
                if name == "Accuracy" {
                    format!("acc {v:5.1} %")
                } else {
                    format!("{} {v:.4}", name.to_lowercase())
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    }
}

impl MetricsRendererTraining for BarRenderer {
    fn update_train(&mut self, state: MetricState) {
        self.record("train", state);
    }
    fn update_valid(&mut self, state: MetricState) {
        self.record("valid", state);
    }
    fn on_train_end(
        &mut self,
        _summary: Option<LearnerSummary>,
    ) -> Result<(), Box<dyn core::error::Error>> {
        Ok(())
    }
}

impl MetricsRendererEvaluation for BarRenderer {
    fn update_test(&mut self, _name: EvaluationName, _state: MetricState) {}
    fn on_test_end(
        &mut self,
        _summary: Option<LearnerSummary>,
    ) -> Result<(), Box<dyn core::error::Error>> {
        Ok(())
    }
}

impl TrainingProgressLogger for BarRenderer {
    fn start(
        &mut self,
        total_epochs: usize,
        _starting_epoch: usize,
        _total_items: Option<usize>,
        _label: Option<&str>,
    ) {
        self.total_epochs = total_epochs;
    }

    fn update_epoch(&mut self, epoch: usize) {
        println!(
            "  {:<28} epoch {}/{}  train: {}  valid: {}",
            self.label,
            epoch,
            self.total_epochs,
            self.values("train"),
            self.values("valid")
        );
        self.finals.clear();
    }

    fn start_split(&mut self, split: &str, total_items: usize) {
        let bar = ProgressBar::new(total_items as u64);
        if let Ok(style) =
            ProgressStyle::with_template("  {prefix:<28} {msg:5} [{bar:30}] {pos}/{len} {elapsed}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(self.label.clone());
        bar.set_message(split.to_string());
        self.bar = Some(bar);
    }

    fn update_split(&mut self, items_processed: usize) {
        if let Some(bar) = &self.bar {
            bar.set_position(items_processed as u64);
        }
    }

    fn end_split(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }

    fn end(&mut self) {
        self.end_split();
    }

    fn log_event_training(&mut self, _event: String) {}
}

impl EvaluationProgressLogger for BarRenderer {
    fn start_global_progress(&mut self, _total_tests: usize) {}
    fn start_test(&mut self, _name: &str, _total_items: usize) {}
    fn update_test_progress(&mut self, _items_processed: usize) {}
    fn end_test(&mut self) {}
    fn end_global_progress(&mut self) {}
    fn log_event_evaluation(&mut self, _event: String) {}
}

impl MetricsRenderer for BarRenderer {
    fn manual_close(&mut self) {}
    fn register_metric(&mut self, definition: MetricDefinition) {
        self.names
            .insert(definition.metric_id, definition.name.to_string());
    }
}
