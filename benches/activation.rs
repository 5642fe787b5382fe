//! Benchmarks of one activation's decision and binding with the embedded SQLite stores (files on
//! disk): registry lookups + rules, bind (both durability levels), and the two together. OCR and chip
//! I/O are excluded; the evidence is the ICAO specimen with a passive-authentication report marked valid.

use std::hint::black_box;

use bankid_activation::activation::binding::{BindingStore, Durability, SqliteBindingStore};
use bankid_activation::activation::policy::{Outcome, Policy, RegistryFacts};
use bankid_activation::activation::registry::SqliteRegistry;
use criterion::{Criterion, criterion_group, criterion_main};

#[path = "../tests/support/mod.rs"]
mod support;

fn activation(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let registry = SqliteRegistry::open(dir.path().join("registry.db")).unwrap();
    registry.import_json(&support::registry_json()).unwrap();
    let policy = Policy::default();
    let today = support::specimen_today();
    let evidence = support::evidence("bankid-anna");
    let devices = [support::device("phone-1", 1), support::device("phone-2", 2)];

    let mut g = c.benchmark_group("activation");
    g.bench_function("decide (2 registry lookups + rules)", |b| {
        b.iter(|| {
            let facts = RegistryFacts::lookup(&registry, black_box(&evidence));
            matches!(
                policy.decide(&evidence, &facts, today),
                Outcome::Approved(_)
            )
        })
    });
    for (name, durability) in [("full", Durability::Full), ("normal", Durability::Normal)] {
        let store =
            SqliteBindingStore::open_with(dir.path().join(format!("store-{name}.db")), durability)
                .unwrap();
        let mut n = 0usize;
        g.bench_function(format!("decide + bind (synchronous={name})"), |b| {
            b.iter(|| {
                n += 1;
                let facts = RegistryFacts::lookup(&registry, &evidence);
                match policy.decide(&evidence, &facts, today) {
                    Outcome::Approved(a) => store.bind(a, &devices[n % 2]).unwrap(),
                    Outcome::Rejected(r) => panic!("{r:?}"),
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, activation);
criterion_main!(benches);
