//! `bankid-activation mrz`: parse MRZ text, check it, correct OCR look-alikes.

use std::io::Read;
use std::process::ExitCode;
use std::time::Instant;

use bankid_activation::mrz::{self, Correction, Date, Mrz};
use serde_json::{Value, json};

use crate::output::json_line;

/// Arguments of `mrz`.
#[derive(clap::Args)]
pub struct Args {
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Report the text exactly as given: no look-alike correction.
    #[arg(long)]
    no_correct: bool,
    /// "Today" for resolving two-digit years (YYYY-MM-DD; default: the system date, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<String>,
    /// The MRZ lines (2 or 3; a single argument may hold them separated by newlines or spaces;
    /// `-` reads them from standard input).
    #[arg(required = true, value_name = "LINE")]
    lines: Vec<String>,
}

/// Splits the arguments into MRZ lines: each argument may hold several lines separated by
/// whitespace; `-` stands for standard input.
fn collect_lines(args: &[String]) -> Result<Vec<String>, String> {
    let mut lines = Vec::new();
    for arg in args {
        if arg == "-" {
            let mut text = String::new();
            std::io::stdin()
                .take(64 * 1024)
                .read_to_string(&mut text)
                .map_err(|e| format!("reading standard input: {e}"))?;
            lines.extend(text.split_whitespace().map(str::to_owned));
        } else {
            lines.extend(arg.split_whitespace().map(str::to_owned));
        }
    }
    Ok(lines)
}

/// The date the command treats as today.
pub fn today(arg: Option<&str>) -> Result<Date, String> {
    match arg {
        Some(text) => Date::parse_iso(text).map_err(|e| format!("--date {text:?}: {e}")),
        None => Date::today_utc().ok_or_else(|| "the system clock is before 1970".to_owned()),
    }
}

/// Runs `mrz`.
pub fn run(args: &Args) -> Result<ExitCode, String> {
    let today = today(args.date.as_deref())?;
    let lines = collect_lines(&args.lines)?;
    let start = Instant::now();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let outcome = read(&refs, !args.no_correct);
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    let ok = matches!(&outcome, Ok((m, _)) if m.is_valid());
    if args.json {
        json_line(&to_json(&lines, &outcome, ms, today))?;
    } else {
        print_text(&outcome, today);
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Parses, and (unless told not to) corrects when the text as given does not hold.
///
/// A correction is kept only when it makes every check digit hold; otherwise the text is reported
/// as given, with the failed attempt attached.
fn read(lines: &[&str], correct: bool) -> Result<(Mrz, Option<Correction>), String> {
    let parsed = mrz::parse(lines);
    let needs_correction = correct && !parsed.as_ref().is_ok_and(Mrz::is_valid);
    if !needs_correction {
        return parsed.map(|m| (m, None)).map_err(|e| e.to_string());
    }
    match (parsed, mrz::correct(lines, &[])) {
        (_, Ok(mut fixed)) if fixed.valid && fixed.mrz.is_some() => {
            let m = fixed.mrz.take().ok_or("correction lost its MRZ")?;
            Ok((m, Some(fixed)))
        }
        (Ok(m), attempt) => Ok((m, attempt.ok().filter(|c| c.ambiguous))),
        // Not parseable as given (e.g. lower case), parseable after the look-alike swaps.
        (Err(_), Ok(mut attempt)) if attempt.mrz.is_some() => {
            let m = attempt.mrz.take().ok_or("correction lost its MRZ")?;
            Ok((m, Some(attempt)))
        }
        (Err(e), _) => Err(e.to_string()),
    }
}

/// Why an MRZ that parsed is not valid, in one line.
pub fn failure_summary(m: &Mrz) -> Option<String> {
    let failed: Vec<String> = m
        .checks()
        .iter()
        .filter(|c| !c.ok)
        .map(|c| {
            format!(
                "{} check digit at line {}, column {} is {:?}, expected {}",
                c.field.name(),
                c.line + 1,
                c.column + 1,
                c.actual,
                c.expected
            )
        })
        .collect();
    if failed.is_empty() {
        None
    } else {
        Some(failed.join("; "))
    }
}

/// The contract fields of a parsed MRZ plus the extras this command adds.
pub fn mrz_fields(m: &Mrz, today: Date) -> serde_json::Map<String, Value> {
    let mut o = serde_json::Map::new();
    o.insert("format".into(), json!(m.format().contract_name()));
    o.insert("layout".into(), json!(m.format().name()));
    o.insert("lines".into(), json!(m.lines()));
    o.insert("valid".into(), json!(m.is_valid()));
    o.insert("document_code".into(), json!(m.document_code()));
    o.insert("document_number".into(), json!(m.document_number()));
    o.insert("issuing_state".into(), json!(m.issuing_state()));
    o.insert("nationality".into(), json!(m.nationality()));
    o.insert("birth_date".into(), json!(m.birth_date().yymmdd()));
    o.insert("expiry_date".into(), json!(m.expiry_date().yymmdd()));
    o.insert(
        "birth_date_full".into(),
        json!(
            m.birth_date()
                .resolve_birth(today)
                .ok()
                .map(|d| d.to_string())
        ),
    );
    o.insert(
        "expiry_date_full".into(),
        json!(
            m.expiry_date()
                .resolve_expiry(today)
                .ok()
                .map(|d| d.to_string())
        ),
    );
    o.insert("sex".into(), json!(m.sex().as_char().to_string()));
    o.insert("surname".into(), json!(m.surname()));
    o.insert("given_names".into(), json!(m.given_names()));
    o.insert("name_truncated".into(), json!(m.name_truncated()));
    o.insert("optional_data".into(), json!(m.optional_data()));
    o.insert(
        "checks".into(),
        Value::Array(
            m.checks()
                .iter()
                .map(|c| {
                    json!({
                        "field": c.field.name(),
                        "ok": c.ok,
                        "expected": c.expected.to_string(),
                        "actual": c.actual.to_string(),
                        "line": c.line + 1,
                        "column": c.column + 1,
                    })
                })
                .collect(),
        ),
    );
    o
}

fn to_json(
    given: &[String],
    outcome: &Result<(Mrz, Option<Correction>), String>,
    ms: f64,
    today: Date,
) -> Value {
    let mut o = serde_json::Map::new();
    o.insert("file".into(), Value::Null);
    match outcome {
        Ok((m, correction)) => {
            o.insert("found".into(), json!(true));
            o.extend(mrz_fields(m, today));
            o.insert("ms".into(), json!(ms));
            o.insert("error".into(), json!(failure_summary(m)));
            if let Some(c) = correction {
                let applied: &[mrz::Change] = if c.ambiguous { &[] } else { &c.changes };
                o.insert(
                    "corrections".into(),
                    Value::Array(
                        applied
                            .iter()
                            .map(|ch| {
                                json!({"line": ch.line + 1, "column": ch.column + 1,
                                       "from": ch.from.to_string(), "to": ch.to.to_string()})
                            })
                            .collect(),
                    ),
                );
                o.insert("ambiguous".into(), json!(c.ambiguous));
            }
        }
        Err(e) => {
            o.insert("found".into(), json!(false));
            o.insert("format".into(), Value::Null);
            o.insert("lines".into(), json!(given));
            o.insert("valid".into(), json!(false));
            o.insert("ms".into(), json!(ms));
            o.insert("error".into(), json!(e));
        }
    }
    Value::Object(o)
}

fn print_text(outcome: &Result<(Mrz, Option<Correction>), String>, today: Date) {
    let (m, correction) = match outcome {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: not an MRZ: {e}");
            return;
        }
    };
    println!("format           {}", m.format().name());
    for line in m.lines() {
        println!("                 {line}");
    }
    println!(
        "document         {} {}",
        m.document_code(),
        m.document_number()
    );
    println!("issuing state    {}", m.issuing_state());
    println!("surname          {}", m.surname());
    println!("given names      {}", m.given_names());
    println!("nationality      {}", m.nationality());
    let full = |r: Result<Date, _>| {
        r.map(|d: Date| d.to_string())
            .unwrap_or_else(|_| "?".into())
    };
    println!(
        "date of birth    {} ({})",
        m.birth_date().yymmdd(),
        full(m.birth_date().resolve_birth(today))
    );
    if m.expiry_date().is_present() {
        println!(
            "date of expiry   {} ({})",
            m.expiry_date().yymmdd(),
            full(m.expiry_date().resolve_expiry(today))
        );
    }
    println!("sex              {}", m.sex().as_char());
    for c in m.checks() {
        println!(
            "check {:<16} {} (printed {}, computed {})",
            c.field.name(),
            if c.ok { "ok" } else { "FAILS" },
            c.actual,
            c.expected
        );
    }
    if let Some(c) = correction.as_ref().filter(|c| !c.ambiguous) {
        for ch in &c.changes {
            println!(
                "corrected        line {} column {}: {} -> {}",
                ch.line + 1,
                ch.column + 1,
                ch.from,
                ch.to
            );
        }
    }
    if correction.as_ref().is_some_and(|c| c.ambiguous) {
        println!("correction       refused: more than one correction makes every check digit hold");
    }
    println!("valid            {}", m.is_valid());
    if let Some(why) = failure_summary(m) {
        eprintln!("error: {why}");
    }
}
