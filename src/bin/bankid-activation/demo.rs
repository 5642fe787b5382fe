//! `bankid-activation demo`: the whole activation flow on fixtures embedded in the binary — a fresh
//! registry with the demo holder "checked", a photo of her passport read by the OCR, the software chip serving her passport, passive
//! authentication against the test CSCA, the rules, a first device, then a second replacing it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use bankid_activation::activation::flow;
use bankid_activation::activation::policy::CloneCheckRequirement;
use bankid_activation::activation::registry;
use bankid_activation::mrz::Date;

use crate::activate::{self, Attempt, AttemptOutcome, ChipInput, MrzInput};
use crate::output::json_line;

/// The embedded fixtures: (path inside the demo directory, bytes).
const FILES: &[(&str, &[u8])] = &[
    (
        "chip/EF.COM.bin",
        include_bytes!("../../../fixtures/dumps/demo-utopia/EF.COM.bin"),
    ),
    (
        "chip/EF.SOD.bin",
        include_bytes!("../../../fixtures/dumps/demo-utopia/EF.SOD.bin"),
    ),
    (
        "chip/DG1.bin",
        include_bytes!("../../../fixtures/dumps/demo-utopia/DG1.bin"),
    ),
    (
        "chip/DG2.bin",
        include_bytes!("../../../fixtures/dumps/demo-utopia/DG2.bin"),
    ),
    (
        "chip/DG15.bin",
        include_bytes!("../../../fixtures/dumps/demo-utopia/DG15.bin"),
    ),
    (
        "chip/AA.key.pem",
        include_bytes!("../../../fixtures/dumps/demo-utopia/AA.key.pem"),
    ),
    (
        "csca/csca-ut-rsa3072.pem",
        include_bytes!("../../../fixtures/pki/csca/csca-ut-rsa3072.pem"),
    ),
    (
        "passport.jpg",
        include_bytes!("../../../fixtures/demo/passport.jpg"),
    ),
    (
        "registry.json",
        include_bytes!("../../../fixtures/demo/registry.json"),
    ),
    (
        "device-1.pub.pem",
        include_bytes!("../../../fixtures/demo/device-1.pub.pem"),
    ),
    (
        "device-2.pub.pem",
        include_bytes!("../../../fixtures/demo/device-2.pub.pem"),
    ),
];

/// The BankID in fixtures/demo/registry.json.
const BANKID: &str = "demo-bankid";

/// Arguments of `demo`.
#[derive(clap::Args)]
pub struct Args {
    /// Work in this directory (created; must not exist or be empty) and keep it, instead of a fresh
    /// temporary directory removed afterwards.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// "Today" for the rules, YYYY-MM-DD (default: today in UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<String>,
    /// What the software chip offers (`bac`, or `pace:MAPPING:GROUP:CIPHER`).
    #[arg(
        long,
        value_name = "ACCESS",
        default_value = "pace:gm:brainpoolP256r1:aes128"
    )]
    access: String,
    /// Print each activation result as one JSON object per line (and nothing else on stdout).
    #[arg(long)]
    json: bool,
}

/// Removes the temporary directory on every exit path.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn fresh_temp_dir() -> Result<TempDir, String> {
    let base = std::env::temp_dir();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    for i in 0..100u32 {
        let p = base.join(format!(
            "bankid-activation-demo-{}-{nanos}-{i}",
            std::process::id()
        ));
        match std::fs::create_dir(&p) {
            Ok(()) => return Ok(TempDir(p)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("{}: {e}", p.display())),
        }
    }
    Err(format!("no fresh directory under {}", base.display()))
}

fn prepare_dir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let not_empty = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .next()
        .is_some();
    if not_empty {
        return Err(format!(
            "{}: not empty (the demo needs a fresh directory)",
            dir.display()
        ));
    }
    Ok(())
}

fn write_fixtures(dir: &Path) -> Result<(), String> {
    for (name, bytes) in FILES {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs `demo`.
pub fn run(args: &Args) -> Result<ExitCode, String> {
    let date = match &args.date {
        Some(d) => Some(Date::parse_iso(d).map_err(|e| format!("--date {d:?}: {e}"))?),
        None => None,
    };
    let (dir, _cleanup) = match &args.dir {
        Some(d) => {
            prepare_dir(d)?;
            (d.clone(), None)
        }
        None => {
            let t = fresh_temp_dir()?;
            (t.0.clone(), Some(t))
        }
    };
    let say = |line: String| {
        if !args.json {
            println!("{line}");
        }
    };
    let total = Instant::now();
    say(format!("demo directory {}", dir.display()));

    let t = Instant::now();
    write_fixtures(&dir)?;
    say(format!(
        "1. fixtures written (chip dump, CSCA, registry JSON, 2 device keys)  {:.2} ms",
        ms(t.elapsed())
    ));

    let registry_db = dir.join("registry.db");
    let store_db = dir.join("store.db");
    let t = Instant::now();
    let summary = registry::import_file(dir.join("registry.json"), &registry_db)
        .map_err(|e| format!("registry import: {e}"))?;
    say(format!(
        "2. registry import: {} person, {} document, {} BankID ({})  {:.2} ms",
        summary.people,
        summary.documents,
        summary.bankids,
        registry_db.display(),
        ms(t.elapsed())
    ));

    let mut results: Vec<AttemptOutcome> = Vec::new();
    for (n, device) in [(3, "device-1"), (4, "device-2")] {
        say(format!(
            "{n}. activate {BANKID} on {device}: photo (OCR) → software chip ({}) → active authentication → passive authentication → rules → binding",
            args.access
        ));
        let a = Attempt {
            bankid: BANKID.to_string(),
            mrz: MrzInput::Image(dir.join("passport.jpg")),
            chip: ChipInput::Emulator {
                dir: dir.join("chip"),
                access: args.access.clone(),
                can: "123456".into(),
            },
            csca: vec![dir.join("csca")],
            registry: registry_db.clone(),
            store: store_db.clone(),
            device_id: device.to_string(),
            device_key: dir.join(format!("{device}.pub.pem")),
            date,
            national_id: None,
            clone_check: CloneCheckRequirement::Required,
        };
        let t = Instant::now();
        let json = args.json;
        let o = activate::attempt(&a, &mut |p| {
            if !json {
                activate::print_step(p)
            }
        })?;
        if args.json {
            json_line(&o.to_json())?;
        } else {
            activate::print_result(&o);
            let attempt_ms = ms(t.elapsed());
            let steps_ms: f64 = o.result.timings_ms.values().sum();
            println!(
                "   {} APDUs ({}), clone check {}; attempt {attempt_ms:.2} ms, of which {:.2} ms opening the key, CSCAs, registry and store",
                o.apdus,
                o.access.as_deref().unwrap_or("no access"),
                o.clone_check
                    .as_ref()
                    .map(activate::clone_check_name)
                    .unwrap_or_else(|| "not run".into()),
                (attempt_ms - steps_ms).max(0.0)
            );
        }
        results.push(o);
    }

    let report = flow::bindings_report_file(&store_db, BANKID)
        .map_err(|e| format!("{}: {e}", store_db.display()))?;
    if !args.json {
        println!("5. bindings history");
        for line in report.to_string().lines() {
            println!("   {line}");
        }
        println!("demo done in {:.2} ms", ms(total.elapsed()));
    }
    let ok = matches!(results.as_slice(), [first, second]
        if first.result.activated && second.result.activated
            && second.result.replaced_device_id.as_deref() == Some("device-1"));
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
