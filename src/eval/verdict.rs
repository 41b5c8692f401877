//! The verdict on one candidate and the failure codes it carries: VerilogEval's official
//! classes (`.` pass, `S` syntax error … `R` runtime failure) plus `X`, refused by the static
//! checks. Codes are written to files as their one-character names, as VerilogEval does.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::checks::Refusal;

/// A failure class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FailureCode {
    /// `.`
    Pass,
    /// `S`
    Syntax,
    /// `e`
    ExplicitCast,
    /// `0`
    ZeroWidthConstant,
    /// `n`
    NoSensitivities,
    /// `w`
    DeclaredAsWire,
    /// `m`
    UnknownModule,
    /// `c`
    UnboundClock,
    /// `T`
    Timeout,
    /// `p`
    UnboundSignal,
    /// `C`
    OtherCompileError,
    /// `r`
    RuntimeAsyncReset,
    /// `R`
    Runtime,
    /// `X`
    Refused,
}

impl FailureCode {
    pub const ALL: [FailureCode; 14] = [
        FailureCode::Pass,
        FailureCode::Syntax,
        FailureCode::ExplicitCast,
        FailureCode::ZeroWidthConstant,
        FailureCode::NoSensitivities,
        FailureCode::DeclaredAsWire,
        FailureCode::UnknownModule,
        FailureCode::UnboundClock,
        FailureCode::Timeout,
        FailureCode::UnboundSignal,
        FailureCode::OtherCompileError,
        FailureCode::RuntimeAsyncReset,
        FailureCode::Runtime,
        FailureCode::Refused,
    ];

    /// The one-character name VerilogEval uses.
    pub fn letter(self) -> char {
        match self {
            FailureCode::Pass => '.',
            FailureCode::Syntax => 'S',
            FailureCode::ExplicitCast => 'e',
            FailureCode::ZeroWidthConstant => '0',
            FailureCode::NoSensitivities => 'n',
            FailureCode::DeclaredAsWire => 'w',
            FailureCode::UnknownModule => 'm',
            FailureCode::UnboundClock => 'c',
            FailureCode::Timeout => 'T',
            FailureCode::UnboundSignal => 'p',
            FailureCode::OtherCompileError => 'C',
            FailureCode::RuntimeAsyncReset => 'r',
            FailureCode::Runtime => 'R',
            FailureCode::Refused => 'X',
        }
    }

    pub fn from_letter(c: char) -> Option<FailureCode> {
        FailureCode::ALL.into_iter().find(|f| f.letter() == c)
    }

    /// What the code means, for reports.
    pub fn meaning(self) -> &'static str {
        match self {
            FailureCode::Pass => "pass",
            FailureCode::Syntax => "syntax error",
            FailureCode::ExplicitCast => "explicit cast required",
            FailureCode::ZeroWidthConstant => "sized constant of zero width",
            FailureCode::NoSensitivities => "no sensitivities",
            FailureCode::DeclaredAsWire => "declared as wire",
            FailureCode::UnknownModule => "unknown module type",
            FailureCode::UnboundClock => "unable to bind clk",
            FailureCode::Timeout => "timeout",
            FailureCode::UnboundSignal => "unable to bind wire/reg",
            FailureCode::OtherCompileError => "other compile error",
            FailureCode::RuntimeAsyncReset => "runtime failure with an async reset",
            FailureCode::Runtime => "runtime failure",
            FailureCode::Refused => "refused: tries to fake a verdict",
        }
    }

    /// A runtime failure (`R` or `r`).
    pub fn is_runtime(self) -> bool {
        matches!(self, FailureCode::Runtime | FailureCode::RuntimeAsyncReset)
    }
}

impl fmt::Display for FailureCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.letter())
    }
}

impl Serialize for FailureCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_char(self.letter())
    }
}

impl<'de> Deserialize<'de> for FailureCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let c = char::deserialize(d)?;
        FailureCode::from_letter(c)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown failure code `{c}`")))
    }
}

/// The verdict on one candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub code: FailureCode,
    pub passed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mismatches: Option<u64>,
    /// Test vectors the testbench applied (`Mismatches: M in N samples` → N).
    #[serde(default, alias = "samples", skip_serializing_if = "Option::is_none")]
    pub vectors: Option<u64>,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refusal: Option<Refusal>,
    /// Compile plus run time (0 when refused before simulation).
    pub seconds: f64,
    /// The combined compile and run log, as the harness saw it (secret lines restored).
    #[serde(skip)]
    pub log: String,
}

impl Verdict {
    pub fn refused(r: Refusal, why: String) -> Verdict {
        Verdict {
            code: FailureCode::Refused,
            passed: false,
            mismatches: None,
            vectors: None,
            reason: format!("refused ({}): {why}", r.name()),
            refusal: Some(r),
            seconds: 0.0,
            log: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_their_letters() {
        for c in FailureCode::ALL {
            assert_eq!(FailureCode::from_letter(c.letter()), Some(c));
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.letter()));
            assert_eq!(serde_json::from_str::<FailureCode>(&json).unwrap(), c);
        }
        assert!(serde_json::from_str::<FailureCode>("\"?\"").is_err());
    }

    #[test]
    fn old_result_lines_with_samples_still_read() {
        let v: Verdict = serde_json::from_str(
            r#"{"code":".","passed":true,"mismatches":0,"samples":20,"reason":"ok","seconds":0.1}"#,
        )
        .unwrap();
        assert_eq!(v.vectors, Some(20));
        assert!(
            serde_json::to_string(&v)
                .unwrap()
                .contains("\"vectors\":20")
        );
    }
}
