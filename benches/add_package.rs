//! `scaffold add-package` speed in repos of 10, 100 and 1,000 packages: the real binary, so the
//! number is what a user waits for. Only the command is timed; undoing it between runs is not.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn scaffold(dir: &Path, args: &[&str]) {
    let status = Command::new(env!("CARGO_BIN_EXE_scaffold"))
        .args(args)
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(status.success(), "scaffold {args:?} failed");
}

/// A repo with `n` packages, made the cheap way: one package by the tool, copies by hand, one sync.
fn repo_with(n: usize) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    scaffold(
        tmp.path(),
        &[
            "new",
            "g",
            "--yes",
            "--no-git",
            "--quiet",
            "--package",
            "p0",
        ],
    );
    let root = tmp.path().join("g");
    let src = std::fs::read_to_string(root.join("p0/p0.go")).unwrap();
    for i in 1..n {
        let name = format!("p{i}");
        std::fs::create_dir(root.join(&name)).unwrap();
        std::fs::write(
            root.join(&name).join(format!("{name}.go")),
            src.replace("p0", &name),
        )
        .unwrap();
    }
    scaffold(&root, &["sync", "--quiet"]);
    tmp
}

fn add_package(c: &mut Criterion) {
    let mut group = c.benchmark_group("add-package");
    group.sample_size(20);
    for n in [10usize, 100, 1000] {
        let tmp = repo_with(n);
        let root = tmp.path().join("g");
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    scaffold(&root, &["add-package", "fresh", "--quiet"]);
                    total += start.elapsed();
                    std::fs::remove_dir_all(root.join("fresh")).unwrap();
                    scaffold(&root, &["sync", "--quiet"]);
                }
                total
            })
        });
    }
    group.finish();
}

criterion_group!(benches, add_package);
criterion_main!(benches);
