//! `scaffold doctor --build` (the builder stage replayed in a temp folder with the release's
//! exact Go, the plugin built there) against its floor: `go build -trimpath -buildmode=plugin`
//! of the same repo with the same Go, in place. Both warm: the module and build caches are
//! filled by a first run of each, so each run costs what a second `make check` costs. The two
//! run in turn, A B A B ..., and the ratio is taken pair by pair (the README quotes its median),
//! in wall time and in the CPU time the kernel charged each finished process.
//!
//! The repo is the default one (`scaffold new --yes`). `cargo bench --bench doctor_build`
//! (`-- RUNS` for another count than 30).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Clone, Copy)]
struct Took {
    wall: Duration,
    cpu: Duration,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runs: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(30);
    let bin = env!("CARGO_BIN_EXE_scaffold");
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("game");
    let made = Command::new(bin)
        .args(["new", "--yes", "--no-git", "--quiet"])
        .arg(&repo)
        .status()
        .unwrap();
    assert!(made.success(), "scaffold new runs");
    let go = format!("go{}", scaffold::versions::default_release().go);

    let doctor = || {
        let (ok, took) = timed(
            Command::new(bin)
                .args(["doctor", "--build", "--quiet"])
                .arg(&repo),
        );
        assert!(ok, "doctor --build passes on the default repo");
        took
    };
    let build = || {
        let (ok, took) = timed(
            Command::new("go")
                .args(["build", "-trimpath", "-buildmode=plugin", "-o"])
                .arg(repo.join("backend.so"))
                .arg(".")
                .current_dir(&repo)
                .env("GOTOOLCHAIN", &go)
                .env("GOFLAGS", "")
                .env("CGO_ENABLED", "1"),
        );
        assert!(ok, "go build of the default repo works");
        took
    };
    // Warm: the toolchain, the modules, the build cache, both plugins.
    for _ in 0..2 {
        doctor();
        build();
    }
    let pairs: Vec<(Took, Took)> = (0..runs).map(|_| (doctor(), build())).collect();
    report(&pairs, &repo, &go);
}

fn report(pairs: &[(Took, Took)], repo: &Path, go: &str) {
    println!("{} ({go}), {} pairs", repo.display(), pairs.len());
    for (what, pick) in [
        ("wall time", (|t: &Took| t.wall) as fn(&Took) -> Duration),
        ("CPU time (user + system)", |t: &Took| t.cpu),
    ] {
        let ms = |t: &Took| pick(t).as_secs_f64() * 1000.0;
        let mut a: Vec<f64> = pairs.iter().map(|p| ms(&p.0)).collect();
        let mut b: Vec<f64> = pairs.iter().map(|p| ms(&p.1)).collect();
        let mut ratio: Vec<f64> = pairs.iter().map(|p| ms(&p.0) / ms(&p.1)).collect();
        println!("{what} of the whole process (min / median / max):");
        println!(
            "  scaffold doctor --build           {}",
            summary(&mut a, |x| format!("{x:.0} ms"))
        );
        println!(
            "  go build -trimpath -buildmode=plugin  {}",
            summary(&mut b, |x| format!("{x:.0} ms"))
        );
        println!(
            "  ratio, pair by pair               {}",
            summary(&mut ratio, |x| format!("{x:.2}x"))
        );
    }
}

/// Runs `cmd` to its end: how long it took, and the CPU time the kernel charged it.
fn timed(cmd: &mut Command) -> (bool, Took) {
    let before = children_cpu();
    let start = Instant::now();
    let status = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .expect("the command runs");
    let wall = start.elapsed();
    let cpu = children_cpu().saturating_sub(before);
    (status.success(), Took { wall, cpu })
}

/// User + system time of every reaped child so far (getrusage RUSAGE_CHILDREN).
fn children_cpu() -> Duration {
    use nix::sys::resource::{getrusage, UsageWho};
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).expect("getrusage");
    let micros = |t: nix::sys::time::TimeVal| {
        Duration::from_secs(t.tv_sec() as u64) + Duration::from_micros(t.tv_usec() as u64)
    };
    micros(usage.user_time()) + micros(usage.system_time())
}

fn summary(values: &mut [f64], show: impl Fn(f64) -> String) -> String {
    values.sort_by(|x, y| x.total_cmp(y));
    format!(
        "{} / {} / {}",
        show(values[0]),
        show(values[values.len() / 2]),
        show(values[values.len() - 1])
    )
}
