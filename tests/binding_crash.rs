//! Crash safety of the SQLite binding store: a child process binds devices in a loop and is SIGKILLed
//! at a random moment, 50 times over one store; after each kill the store must open, pass SQLite's
//! integrity check, hold exactly one active device (the old one or a new one) and keep every binding
//! it acknowledged. Rounds alternate `synchronous = FULL` and `NORMAL`. A harness-less test: the same binary is the child (`--child DB`).

mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bankid_activation::activation::binding::{
    BindingStore, Device, Durability, SqliteBindingStore,
};

const BANKID: &str = "bankid-anna";
const KILLS: usize = 50;
const MAX_BINDS_PER_CHILD: usize = 2_000;

/// Child: bind a new device forever, printing each acknowledged (committed) bind's device id.
fn child(db: &Path, durability: Durability) -> ! {
    let store = SqliteBindingStore::open_with(db, durability).expect("store opens");
    // One key for every device: the point multiplication is slow in debug builds, and key reuse
    // does not matter to the store.
    let key = support::p256_spki(1);
    let pid = std::process::id();
    let mut out = std::io::stdout().lock();
    // Bounded so fast (NORMAL) rounds do not grow the history without limit; a child that finishes
    // before its kill simply exits.
    for n in 0usize..MAX_BINDS_PER_CHILD {
        let id = format!("dev-{pid}-{n}");
        let device = Device::from_spki_der(&id, &key).expect("device");
        store
            .bind(support::approval(BANKID), &device)
            .expect("bind");
        writeln!(out, "{id}").expect("stdout");
        out.flush().expect("stdout");
    }
    std::process::exit(0)
}

/// xorshift64*: enough randomness for kill timings.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let durability = match args.get(i + 2).map(String::as_str) {
            Some("normal") => Durability::Normal,
            _ => Durability::Full,
        };
        child(Path::new(&args[i + 1]), durability);
    }
    let started = Instant::now();
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    println!("binding_crash: seed {seed}");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    drop(SqliteBindingStore::open(&db).unwrap());
    let exe = std::env::current_exe().unwrap();

    let mut history: Vec<(i64, String)> = Vec::new();
    let mut acknowledged_total = 0usize;
    let mut finished_before_kill = 0usize;
    for round in 0..KILLS {
        let mut child = Command::new(&exe)
            .arg("--child")
            .arg(&db)
            // Both durability levels must survive SIGKILL (they differ only on power loss).
            .arg(if round % 2 == 0 { "full" } else { "normal" })
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut acknowledged = Vec::new();
        if round % 5 == 0 {
            // Kill during start-up: opening the store, creating the schema, the first bind.
            std::thread::sleep(Duration::from_micros(rng.next() % 30_000));
        } else {
            // Kill mid-stream: after the first acknowledged bind, within the next few binds.
            let first = rx
                .recv_timeout(Duration::from_secs(20))
                .unwrap_or_else(|_| panic!("round {round}: the child never bound"));
            acknowledged.push(first);
            std::thread::sleep(Duration::from_micros(rng.next() % 20_000));
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        reader.join().unwrap();
        acknowledged.extend(rx.try_iter());
        acknowledged_total += acknowledged.len();
        if acknowledged.len() == MAX_BINDS_PER_CHILD {
            finished_before_kill += 1;
        }

        let store = SqliteBindingStore::open(&db)
            .unwrap_or_else(|e| panic!("round {round}: the store does not open: {e}"));
        store
            .check_consistency()
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        let now: Vec<(i64, String)> = store
            .history(BANKID)
            .unwrap()
            .into_iter()
            .map(|b| (b.seq, b.device_id))
            .collect();
        // Nothing lost: the old history is a prefix, every acknowledged bind is there, and at most
        // one more (committed, killed before it could print) is.
        assert!(
            now.starts_with(&history),
            "round {round}: history rewritten"
        );
        let new: Vec<&String> = now[history.len()..].iter().map(|(_, d)| d).collect();
        assert!(
            new.len() == acknowledged.len() || new.len() == acknowledged.len() + 1,
            "round {round}: {} acknowledged, {} new",
            acknowledged.len(),
            new.len()
        );
        assert!(
            new.iter().zip(&acknowledged).all(|(a, b)| *a == b),
            "round {round}: acknowledged binds missing"
        );
        // Exactly one active device: the newest binding (the old one if nothing new committed).
        let active = store.active(BANKID).unwrap();
        match (active, now.last()) {
            (Some(a), Some((_, last))) => assert_eq!(&a.device_id, last, "round {round}"),
            (None, None) => {}
            (a, l) => panic!("round {round}: active {a:?}, last {l:?}"),
        }
        let active_rows = store
            .history(BANKID)
            .unwrap()
            .iter()
            .filter(|b| b.replaced_at_ms.is_none())
            .count();
        assert!(
            active_rows <= 1,
            "round {round}: {active_rows} active devices"
        );
        assert_eq!(
            store.audit(BANKID).unwrap().len(),
            now.len(),
            "round {round}: audit complete"
        );
        history = now;
    }
    assert!(
        acknowledged_total > 0,
        "no bind ever committed: the kills tested nothing"
    );
    println!(
        "binding_crash: {KILLS} kills ({finished_before_kill} children had finished), {} bindings ({} acknowledged), {:.1} s",
        history.len(),
        acknowledged_total,
        started.elapsed().as_secs_f64()
    );
    println!("binding_crash: 1 passed, 0 failed");
}
