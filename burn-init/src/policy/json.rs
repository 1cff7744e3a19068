//! Reading a policy written by hand. Burn's `Config` derive reads only complete files: a rule
//! without its `multiplier`, `optional`, `activation_gain`, `layer`, `within`, `role` and `path`
//! is refused (`missing field`), and a misspelt field is silently ignored. [`Policy::from_json`]
//! fills every field that has a default with it (the defaults of [`Policy::new`], [`Rule::new`]
//! and [`LayerHint::new`]) and refuses a field a policy, a rule or a hint does not have, naming
//! where it is (a scheme's own fields are read by its serde derive: a missing one is refused, an
//! unknown one ignored).
//! Written by hand because serde's `#[serde(default)]` cannot be attached through Burn's
//! `#[derive(Config)]`.

use serde_json::{Map, Value};

use super::{LayerHint, Policy, Rule};
use crate::error::PolicyError;
use crate::{InitError, Result, Scheme};

impl Policy {
    /// A policy from JSON, every field with a default optional, an unknown field an error.
    ///
    /// ```
    /// use burn_init::policy::{Policy, Role};
    ///
    /// let policy = Policy::from_json(
    ///     r#"{"rules": [
    ///         {"layer": "Linear", "role": "Weight",
    ///          "scheme": {"KaimingNormal": {"gain": {"Recommended": "Relu"}, "mode": "FanIn"}}},
    ///         {"role": "Bias", "scheme": "Zeros"}
    ///     ]}"#,
    /// )
    /// .unwrap();
    /// assert_eq!(policy.rules.len(), 2);
    /// assert_eq!(policy.rules[0].multiplier, 1.0);
    /// assert_eq!(policy.rules[1].role, Some(Role::Bias));
    ///
    /// let typo = Policy::from_json(r#"{"rules": [{"scheme": "Zeros", "multipler": 2.0}]}"#);
    /// assert!(typo.unwrap_err().to_string().contains("rules[0].multipler"));
    /// ```
    pub fn from_json(text: &str) -> Result<Policy> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| json_error("the file", e.to_string()))?;
        let defaults = serde_json::to_value(Policy::new()).map_err(|e| internal(&e))?;
        let rule = serde_json::to_value(Rule::new(Scheme::Zeros)).map_err(|e| internal(&e))?;
        let hint = serde_json::to_value(LayerHint::new(String::new())).map_err(|e| internal(&e))?;
        let rules: Vec<Rule> = items(&value, "rules", &rule, "scheme")?;
        let hints: Vec<LayerHint> = items(&value, "hints", &hint, "path")?;
        let mut top = value.clone();
        if let Value::Object(fields) = &mut top {
            fields.insert("rules".into(), Value::Array(Vec::new()));
            fields.insert("hints".into(), Value::Array(Vec::new()));
        }
        let mut policy: Policy = read(&defaults, &top, "")?;
        policy.rules = rules;
        policy.hints = hints;
        Ok(policy)
    }
}

/// The list `field` of `value` (none: empty), each item's fields over `defaults`', `required`
/// present, read as a `T`.
fn items<T: serde::de::DeserializeOwned>(
    value: &Value,
    field: &str,
    defaults: &Value,
    required: &str,
) -> Result<Vec<T>> {
    let Some(list) = value.get(field) else {
        return Ok(Vec::new());
    };
    let Value::Array(list) = list else {
        return Err(json_error(field, "expected a list".into()));
    };
    list.iter()
        .enumerate()
        .map(|(i, item)| {
            let at = format!("{field}[{i}]");
            if item.get(required).is_none() {
                return Err(json_error(&at, format!("`{required}` is required")));
            }
            read(defaults, item, &at)
        })
        .collect()
}

/// `item`'s fields over `defaults`' read as a `T`; a value it cannot take is named by its field
/// (`rules[0].multiplier`; `multiplier` at the top, where `at` is empty), each field tried alone
/// over the defaults.
fn read<T: serde::de::DeserializeOwned>(defaults: &Value, item: &Value, at: &str) -> Result<T> {
    let place = |name: &str| {
        if at.is_empty() {
            name.to_string()
        } else {
            format!("{at}.{name}")
        }
    };
    let whole_at = if at.is_empty() { "the policy" } else { at };
    let merged = merge(defaults, item, whole_at)?;
    serde_json::from_value(Value::Object(merged)).map_err(|whole| {
        let (Value::Object(base), Value::Object(fields)) = (defaults, item) else {
            return json_error(whole_at, whole.to_string());
        };
        fields
            .iter()
            .find_map(|(name, value)| {
                let mut one = base.clone();
                one.insert(name.clone(), value.clone());
                serde_json::from_value::<T>(Value::Object(one))
                    .err()
                    .map(|e| json_error(&place(name), e.to_string()))
            })
            .unwrap_or_else(|| json_error(whole_at, whole.to_string()))
    })
}

/// `item`'s fields over `defaults`' (both objects); a field `defaults` lacks is an error at
/// `at`.
fn merge(defaults: &Value, item: &Value, at: &str) -> Result<Map<String, Value>> {
    let (Value::Object(defaults), Value::Object(item)) = (defaults, item) else {
        return Err(json_error(at, "expected an object".into()));
    };
    let mut merged = defaults.clone();
    for (name, value) in item {
        if !defaults.contains_key(name) {
            let known: Vec<&str> = defaults.keys().map(String::as_str).collect();
            return Err(json_error(
                &format!("{at}.{name}"),
                format!("no such field (fields: {})", known.join(", ")),
            ));
        }
        merged.insert(name.clone(), value.clone());
    }
    Ok(merged)
}

fn json_error(at: &str, reason: String) -> InitError {
    PolicyError::Json {
        at: at.to_string(),
        reason,
    }
    .into()
}

fn internal(e: &serde_json::Error) -> InitError {
    json_error("the defaults", format!("cannot be written as JSON: {e}"))
}
