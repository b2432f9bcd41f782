//! `scaffold new --yes --no-git` against `cp -r` of its own output: the floor for making that
//! tree (start a process, write the same files). The two run in turn, A B A B ..., and the
//! ratio is taken pair by pair, so a machine whose speed drifts during the run still gives a
//! fair figure; the median of the ratios is what the README quotes.
//!
//! Each run is timed twice: wall time, and the CPU time (user + system) the kernel charged the
//! finished process, which a busy machine disturbs less.
//!
//! `cargo bench --bench new_vs_copy` (`-- RUNS` for another count than 200, `-- RUNS PATH` to
//! measure another scaffold binary the same way, such as a build of an older commit).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One run: wall time and CPU time.
#[derive(Clone, Copy)]
struct Took {
    wall: Duration,
    cpu: Duration,
}

fn main() {
    // `cargo bench` passes `--bench`; a plain number is the run count.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runs: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(200);
    let bin = args
        .iter()
        .find(|a| a.contains('/'))
        .map_or(env!("CARGO_BIN_EXE_scaffold"), String::as_str);
    println!("{bin}");
    let tmp = tempfile::tempdir().unwrap();
    let reference = tmp.path().join("reference");
    assert!(new(bin, &reference).is_some(), "scaffold new runs");

    let mut pairs = Vec::with_capacity(runs);
    for i in 0..runs + 5 {
        let made = tmp.path().join(format!("new{i}"));
        let copied = tmp.path().join(format!("copy{i}"));
        let a = new(bin, &made).expect("scaffold new succeeds");
        let b = copy(&reference, &copied);
        std::fs::remove_dir_all(&made).unwrap();
        std::fs::remove_dir_all(&copied).unwrap();
        // The first few warm the page cache and the binary.
        if i >= 5 {
            pairs.push((a, b));
        }
    }
    for (what, pick) in [
        ("wall time", (|t: &Took| t.wall) as fn(&Took) -> Duration),
        ("CPU time (user + system)", |t: &Took| t.cpu),
    ] {
        let ms = |t: &Took| pick(t).as_secs_f64() * 1000.0;
        let mut a: Vec<f64> = pairs.iter().map(|p| ms(&p.0)).collect();
        let mut b: Vec<f64> = pairs.iter().map(|p| ms(&p.1)).collect();
        let mut ratio: Vec<f64> = pairs.iter().map(|p| ms(&p.0) / ms(&p.1)).collect();
        println!("{runs} pairs, {what} of the whole process (min / median / max):");
        println!(
            "  scaffold new --yes --no-git  {}",
            summary(&mut a, |x| format!("{x:.2} ms"))
        );
        println!(
            "  cp -r of its output          {}",
            summary(&mut b, |x| format!("{x:.2} ms"))
        );
        println!(
            "  ratio, pair by pair          {}",
            summary(&mut ratio, |x| format!("{x:.2}x"))
        );
    }
}

/// Runs `cmd` to its end: how long it took, and the CPU time the kernel charged it.
fn timed(cmd: &mut Command) -> (bool, Took) {
    let before = children_cpu();
    let start = Instant::now();
    let status = cmd.stdin(Stdio::null()).status().expect("the command runs");
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

/// `scaffold new DIR --yes --no-git --quiet`, timed; `None` when it failed.
fn new(bin: &str, dir: &Path) -> Option<Took> {
    let (ok, took) = timed(
        Command::new(bin)
            .args(["new", "--yes", "--no-git", "--quiet"])
            .arg(dir),
    );
    ok.then_some(took)
}

/// `cp -r FROM TO`, timed.
fn copy(from: &Path, to: &Path) -> Took {
    let (ok, took) = timed(Command::new("cp").arg("-r").arg(from).arg(to));
    assert!(ok, "cp -r succeeds");
    took
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
