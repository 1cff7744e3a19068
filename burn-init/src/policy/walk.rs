//! Walking a Burn module: a `ModuleVisitor` lists every float parameter with its path, owning
//! layer and final shape; a `ModuleMapper` replaces the values the plan assigns
//! ([`fresh`](super::fresh): id, require-grad flag, mappers, device and dtype kept). Neither walk
//! reads a value, so a lazy parameter's own initializer never runs.
//!
//! Burn's derive calls `enter_module(field, "Struct:Owner")` around every field, so the innermost
//! entry of the stack names the parameter's field and the struct that owns it (`weight` of
//! `Linear`); the entries above name every enclosing type.

use burn::module::{ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::tensor::{Device, Tensor};

use super::fresh::{self, Fresh};

/// Fields of Burn's `BatchNorm` that hold running statistics: buffers, never initialised.
const RUNNING_STATISTICS: [&str; 2] = ["running_mean", "running_var"];

/// A float parameter as the walk sees it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParamInfo {
    /// Dotted path from the model's root (`encoder.layers.0.fc1.weight`).
    pub(crate) path: String,
    /// Path of the owning layer (the path without the field).
    pub(crate) layer_path: String,
    /// Type of the owning struct (`Linear`), or `""` for a parameter at the root.
    pub(crate) layer: String,
    /// Types of every enclosing struct or enum, outermost first (the owner last).
    pub(crate) ancestors: Vec<String>,
    /// The owning struct's field holding the parameter (`weight`).
    pub(crate) field: String,
    /// The parameter's shape (in memory, after Burn's layout mappers).
    pub(crate) shape: Vec<usize>,
    /// Burn's id of the parameter.
    pub(crate) id: ParamId,
    /// The device its value lives on, or will be drawn on (a lazy parameter's).
    pub(crate) device: Device,
}

impl ParamInfo {
    /// Running statistics (`BatchNorm`'s running mean and variance) are never touched.
    pub(crate) fn is_running_statistic(&self) -> bool {
        RUNNING_STATISTICS.contains(&self.field.as_str())
    }
}

/// The enter/exit stack shared by both walks.
#[derive(Default)]
struct Stack {
    entries: Vec<(String, String)>,
}

impl Stack {
    fn enter(&mut self, name: &str, container: &str) {
        self.entries.push((name.to_string(), container.to_string()));
    }

    fn exit(&mut self) {
        self.entries.pop();
    }

    fn path(&self) -> String {
        let names: Vec<&str> = self.entries.iter().map(|(n, _)| n.as_str()).collect();
        names.join(".")
    }

    fn info(&self, shape: Vec<usize>, id: ParamId, device: Device) -> ParamInfo {
        let type_name = |container: &str| {
            container
                .strip_prefix("Struct:")
                .or_else(|| container.strip_prefix("Enum:"))
                .map(str::to_string)
        };
        let ancestors: Vec<String> = self
            .entries
            .iter()
            .filter_map(|(_, c)| type_name(c))
            .collect();
        // The field is the name entered under the nearest struct or enum (a `Vec` of params
        // adds an index entry below it).
        let owner = self
            .entries
            .iter()
            .rposition(|(_, c)| type_name(c).is_some());
        let field = owner.map_or_else(String::new, |i| self.entries[i].0.clone());
        let layer_path = match owner {
            Some(i) => self.entries[..i]
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join("."),
            None => String::new(),
        };
        ParamInfo {
            path: self.path(),
            layer_path,
            layer: ancestors.last().cloned().unwrap_or_default(),
            ancestors,
            field,
            shape,
            id,
            device,
        }
    }
}

/// Lists every float parameter, materialising none.
#[derive(Default)]
pub(crate) struct Lister {
    stack: Stack,
    pub(crate) params: Vec<ParamInfo>,
}

impl ModuleVisitor for Lister {
    fn enter_module(&mut self, name: &str, container_type: &str) {
        self.stack.enter(name, container_type);
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.stack.exit();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.params.push(
            self.stack
                .info(fresh::shape(param), param.id, param.lazy_device()),
        );
    }
}

/// Replaces parameter values: `values(index, info)` returns the new values of the index-th float
/// parameter, or `None` to keep it.
pub(crate) struct Replacer<F> {
    stack: Stack,
    index: usize,
    values: F,
}

impl<F> Replacer<F>
where
    F: FnMut(usize, &ParamInfo) -> Option<Fresh>,
{
    pub(crate) fn new(values: F) -> Self {
        Self {
            stack: Stack::default(),
            index: 0,
            values,
        }
    }
}

impl<F> ModuleMapper for Replacer<F>
where
    F: FnMut(usize, &ParamInfo) -> Option<Fresh>,
{
    fn enter_module(&mut self, name: &str, container_type: &str) {
        self.stack.enter(name, container_type);
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.stack.exit();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let index = self.index;
        self.index += 1;
        let info = self
            .stack
            .info(fresh::shape(&param), param.id, param.lazy_device());
        match (self.values)(index, &info) {
            Some(values) => fresh::replace(param, &info.shape, values),
            None => param,
        }
    }
}

/// Multiplies the parameters at the given paths by their factors, on their device. The id,
/// mappers and configured require-grad flag are kept, and a trainable value stays a leaf.
pub(crate) struct Scaler<'a> {
    stack: Stack,
    factors: &'a std::collections::HashMap<String, f64>,
}

impl<'a> Scaler<'a> {
    pub(crate) fn new(factors: &'a std::collections::HashMap<String, f64>) -> Self {
        Self {
            stack: Stack::default(),
            factors,
        }
    }
}

impl ModuleMapper for Scaler<'_> {
    fn enter_module(&mut self, name: &str, container_type: &str) {
        self.stack.enter(name, container_type);
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.stack.exit();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        match self.factors.get(&self.stack.path()) {
            Some(&factor) => param.map(|t| {
                let trainable = t.is_require_grad();
                t.mul_scalar(factor).detach().set_require_grad(trainable)
            }),
            None => param,
        }
    }
}
