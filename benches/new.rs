//! `scaffold new` speed: rendering the default repo in memory, and the whole command (the real
//! binary, git included) as a user runs it.

use criterion::{criterion_group, criterion_main, Criterion};
use scaffold::repo::new::{plan, Resolved};
use scaffold::versions;
use std::process::Command;

fn default_answers(dir: std::path::PathBuf) -> Resolved {
    Resolved {
        dir,
        name: "mygame".into(),
        module: "example.com/mygame".into(),
        release: versions::default_release(),
        package: Some("profile".into()),
        git: true,
        template: scaffold::scaffold::template::Template::builtin(),
        origin: scaffold::scaffold::Origin::builtin(),
        answers: Default::default(),
    }
}

fn render(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let answers = default_answers(tmp.path().join("mygame"));
    c.bench_function("render default repo (in memory)", |b| {
        b.iter(|| plan(&answers).unwrap())
    });
}

fn whole_command(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_scaffold");
    let mut n = 0u64;
    c.bench_function("scaffold new --yes (process, git included)", |b| {
        b.iter(|| {
            n += 1;
            let dir = tmp.path().join(format!("g{n}"));
            let status = Command::new(bin)
                .args(["new", "--yes", "--quiet"])
                .arg(&dir)
                .status()
                .unwrap();
            assert!(status.success());
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50);
    targets = render, whole_command
}
criterion_main!(benches);
