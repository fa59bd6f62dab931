//! `--compose` operators: how subtask scores become one compound score.

use std::fmt;
use std::str::FromStr;

use super::kernels;

/// One composition rule, with the text the user wrote as its name.
#[derive(Debug, Clone, PartialEq)]
pub struct Operator {
    kind: OperatorKind,
    name: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OperatorKind {
    /// Every subtask correct, independent subtasks: ∏ p.
    All,
    /// At least one correct: 1 − ∏(1 − p).
    Any,
    /// At least K of the k subtasks correct (Poisson-binomial).
    AtLeast(usize),
    Mean,
    GeoMean,
    Min,
    /// Exact match of an L-token answer from a per-token probability: p^L.
    Exact(u32),
    /// Expected token edit distance L(1 − p); lower is better.
    EditDist(u32),
    /// Every subtask correct when subtasks are correlated as `emerge simulate --rho ρ`
    /// draws them (see [`kernels::all_correlated`]).
    AllRho(f64),
}

/// Why an operator cannot be applied to a particular task.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ComposeError {
    #[error("{op} needs at least {need} subtasks but the task has {have}")]
    TooFewSubtasks { op: String, need: usize, have: usize },
}

pub const OPERATOR_HELP: &str = "all, any, atleast:K, mean, geomean, min, exact:L, editdist:L, all:rho=R";

impl Operator {
    pub fn kind(&self) -> OperatorKind {
        self.kind
    }

    /// The operator exactly as written, e.g. `atleast:3`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether larger compound values are better (false only for edit distance).
    pub fn higher_is_better(&self) -> bool {
        !matches!(self.kind, OperatorKind::EditDist(_))
    }

    /// Whether the compound is a rate in [0, 1] (edit distance is in tokens).
    pub fn is_rate(&self) -> bool {
        !matches!(self.kind, OperatorKind::EditDist(_))
    }

    /// Whether this is the strict "every subtask correct" compound under independence,
    /// whose k-th root recovers the per-subtask rate.
    pub fn is_strict_product(&self) -> bool {
        matches!(self.kind, OperatorKind::All)
    }

    /// Applies the operator to one model's subtask rates (each in [0, 1]).
    pub fn apply(&self, p: &[f64]) -> Result<f64, ComposeError> {
        Ok(match self.kind {
            OperatorKind::All => kernels::all_of(p),
            OperatorKind::Any => kernels::any_of(p),
            OperatorKind::AtLeast(k) => {
                if k > p.len() {
                    return Err(ComposeError::TooFewSubtasks {
                        op: self.name.clone(),
                        need: k,
                        have: p.len(),
                    });
                }
                kernels::at_least(p, k)
            }
            OperatorKind::Mean => kernels::mean(p),
            OperatorKind::GeoMean => kernels::geomean(p),
            OperatorKind::Min => kernels::min(p),
            OperatorKind::Exact(l) => kernels::exact_match(p, l),
            OperatorKind::EditDist(l) => kernels::edit_distance(p, l),
            OperatorKind::AllRho(rho) => kernels::all_correlated(p, rho),
        })
    }

    /// A phrase for legends and summaries.
    pub fn describe(&self) -> String {
        match self.kind {
            OperatorKind::All => "all subtasks correct".into(),
            OperatorKind::Any => "any subtask correct".into(),
            OperatorKind::AtLeast(k) => format!("at least {k} subtasks correct"),
            OperatorKind::Mean => "mean of subtasks".into(),
            OperatorKind::GeoMean => "geometric mean of subtasks".into(),
            OperatorKind::Min => "weakest subtask".into(),
            OperatorKind::Exact(l) => format!("exact match, {}", tokens(l)),
            OperatorKind::EditDist(l) => format!("edit distance, {}", tokens(l)),
            OperatorKind::AllRho(r) => format!("all correct, correlation {r}"),
        }
    }
}

fn tokens(l: u32) -> String {
    if l == 1 {
        "1 token".into()
    } else {
        format!("{l} tokens")
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl FromStr for Operator {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim().to_string();
        let lower = name.to_ascii_lowercase();
        let unknown = || format!("unknown compose operator {name:?}: expected one of {OPERATOR_HELP}");
        let positive = |v: &str, what: &str| -> Result<u32, String> {
            match v.parse::<u32>() {
                Ok(x) if x >= 1 => Ok(x),
                _ => Err(format!("{name:?}: {what} must be a whole number of at least 1, got {v:?}")),
            }
        };
        let kind = match lower.split_once(':') {
            None => match lower.as_str() {
                "all" => OperatorKind::All,
                "any" => OperatorKind::Any,
                "mean" => OperatorKind::Mean,
                "geomean" => OperatorKind::GeoMean,
                "min" => OperatorKind::Min,
                _ => return Err(unknown()),
            },
            Some(("atleast", k)) => OperatorKind::AtLeast(positive(k, "K")? as usize),
            Some(("exact", l)) => OperatorKind::Exact(positive(l, "the answer length L")?),
            Some(("editdist", l)) => OperatorKind::EditDist(positive(l, "the answer length L")?),
            Some(("all", rest)) => {
                let r = rest.strip_prefix("rho=").ok_or_else(unknown)?;
                match r.parse::<f64>() {
                    Ok(rho) if (0.0..=1.0).contains(&rho) => OperatorKind::AllRho(rho),
                    _ => {
                        return Err(format!(
                            "{name:?}: the correlation R must be a number in [0, 1], got {r:?}"
                        ))
                    }
                }
            }
            Some(_) => return Err(unknown()),
        };
        Ok(Operator { kind, name })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_operator_and_keeps_its_spelling() {
        for (text, kind) in [
            ("all", OperatorKind::All),
            ("any", OperatorKind::Any),
            ("atleast:3", OperatorKind::AtLeast(3)),
            ("mean", OperatorKind::Mean),
            ("geomean", OperatorKind::GeoMean),
            ("min", OperatorKind::Min),
            ("exact:5", OperatorKind::Exact(5)),
            ("editdist:5", OperatorKind::EditDist(5)),
            ("all:rho=0.3", OperatorKind::AllRho(0.3)),
        ] {
            let op: Operator = text.parse().unwrap();
            assert_eq!(op.kind(), kind);
            assert_eq!(op.name(), text);
        }
    }

    #[test]
    fn rejects_malformed_operators() {
        for bad in ["product", "atleast:0", "atleast:x", "exact:", "all:rho=1.5", "all:r=0.1", "editdist:-1"]
        {
            assert!(bad.parse::<Operator>().is_err(), "{bad} should not parse");
        }
    }

    #[test]
    fn atleast_beyond_the_subtask_count_is_an_error() {
        let op: Operator = "atleast:6".parse().unwrap();
        assert!(matches!(op.apply(&[0.5; 5]), Err(ComposeError::TooFewSubtasks { need: 6, have: 5, .. })));
    }
}
