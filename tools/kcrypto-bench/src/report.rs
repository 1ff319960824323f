// SPDX-License-Identifier: GPL-2.0
//! Results: medians, spreads, the ratios issue 7 sets targets for, JSON and markdown.

use std::fmt::Write as _;

use serde::Serialize;

use crate::PathKind;
use crate::alg::{ALGS, Alg, Kind, SIZES};
use crate::memory::{self, MemPoint};

/// Where and how the figures were measured.
#[derive(Debug, Serialize)]
pub struct Meta {
    pub date: String,
    pub kernel: String,
    pub kernel_version: String,
    pub accel: String,
    pub cpu: String,
    pub cpus: usize,
    /// How the guest kernel copies user memory (64 bytes and more): "rep movsb" with ERMS or
    /// FSRM, else "rep movsq".
    pub user_copy: String,
    pub openssl: String,
    pub kcrypto_family: i32,
    pub reps: usize,
    pub rep_ms: u64,
    pub depth: usize,
    /// Messages per sendmmsg()/recvmmsg() on the batched path (fewer for large messages).
    pub batch: usize,
    /// Messages per sendmsg()/recvmsg() on the record path (fewer for large messages).
    pub records: usize,
}

/// One path at one (algorithm, size).
#[derive(Debug, Serialize)]
pub struct Point {
    pub alg: &'static str,
    pub name: &'static str,
    pub kind: Kind,
    pub size: usize,
    pub path: &'static str,
    /// Requests in flight.
    pub depth: usize,
    /// The implementation the in-kernel limit ran (the same name binds the same driver).
    pub driver: Option<String>,
    /// Operations per second of each repetition.
    pub reps: Vec<f64>,
    pub ops_per_s: f64,
    pub ops_per_s_min: f64,
    pub ops_per_s_max: f64,
    /// (max - min) / median, in percent.
    pub spread_pct: f64,
    /// Input megabytes (10^6) per second at the median.
    pub mb_per_s: f64,
    pub syscalls_per_op: Option<f64>,
    /// Whether the warm-up output matched the RustCrypto reference.
    pub verified: Option<bool>,
    pub error: Option<String>,
}

impl Point {
    pub fn new(alg: &Alg, size: usize, path: PathKind) -> Point {
        Point {
            alg: alg.label,
            name: alg.name,
            kind: alg.kind,
            size,
            path: path.id(),
            depth: 1,
            driver: None,
            reps: Vec::new(),
            ops_per_s: 0.0,
            ops_per_s_min: 0.0,
            ops_per_s_max: 0.0,
            spread_pct: 0.0,
            mb_per_s: 0.0,
            syscalls_per_op: None,
            verified: None,
            error: None,
        }
    }

    /// Computes the median and spread of the repetitions.
    pub fn finish(&mut self) {
        if self.reps.is_empty() {
            return;
        }
        let mut sorted = self.reps.clone();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        self.ops_per_s = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        self.ops_per_s_min = sorted[0];
        self.ops_per_s_max = sorted[n - 1];
        self.spread_pct = 100.0 * (self.ops_per_s_max - self.ops_per_s_min) / self.ops_per_s;
        self.mb_per_s = self.ops_per_s * self.size as f64 / 1e6;
    }

    fn ok(&self) -> bool {
        self.error.is_none() && self.verified != Some(false) && !self.reps.is_empty()
    }
}

/// One of issue 7's targets, as measured.
#[derive(Debug, Serialize)]
pub struct Target {
    pub target: &'static str,
    pub alg: &'static str,
    pub size: usize,
    pub ratio: Option<f64>,
    pub goal: f64,
    pub met: Option<bool>,
}

/// Everything one run measured.
#[derive(Debug, Serialize)]
pub struct Report {
    pub meta: Meta,
    pub targets: Vec<Target>,
    pub points: Vec<Point>,
    /// Memory per socket, filled (empty if not measured).
    pub memory: Vec<MemPoint>,
}

pub fn size_label(size: usize) -> String {
    match size {
        s if s >= 1 << 20 && s % (1 << 20) == 0 => format!("{} MiB", s >> 20),
        s if s >= 1 << 10 && s % (1 << 10) == 0 => format!("{} KiB", s >> 10),
        s => format!("{s} B"),
    }
}

pub fn rate(ops: f64) -> String {
    match ops {
        o if o >= 1e6 => format!("{:.2}M op/s", o / 1e6),
        o if o >= 1e3 => format!("{:.1}k op/s", o / 1e3),
        o => format!("{o:.0} op/s"),
    }
}

fn mbs(mb: f64) -> String {
    if mb >= 100.0 {
        format!("{mb:.0} MB/s")
    } else if mb >= 1.0 {
        format!("{mb:.1} MB/s")
    } else {
        format!("{mb:.2} MB/s")
    }
}

fn ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "–".to_string(), |r| format!("{r:.2}×"))
}

/// A target's ratio: two decimals, or three (truncated) where two would round a miss up to the
/// goal ("0.896" is not "0.90").
fn target_ratio(r: Option<f64>, goal: f64) -> String {
    match r {
        Some(r) if r < goal && (r * 100.0).round() >= (goal * 100.0).round() => {
            format!("{:.3}×", (r * 1000.0).floor() / 1000.0)
        }
        _ => ratio(r),
    }
}

/// A ratio whose goal is at most 1: two decimals, or three (rounded up) where two would round
/// a miss down to the goal ("1.004" is not "1.00").
fn bound_ratio(r: f64) -> String {
    if r > 1.0 && (r * 100.0).round() <= 100.0 {
        format!("{:.3}×", (r * 1000.0).ceil() / 1000.0)
    } else {
        format!("{r:.2}×")
    }
}

impl Report {
    pub fn new(meta: Meta, points: Vec<Point>, memory: Vec<MemPoint>) -> Report {
        let mut report = Report {
            meta,
            targets: Vec::new(),
            points,
            memory,
        };
        report.targets = report.compute_targets();
        report
    }

    /// Median ops/s of a path at a point, if it was measured correctly.
    fn ops(&self, alg: &str, size: usize, path: PathKind) -> Option<f64> {
        self.points
            .iter()
            .find(|p| p.alg == alg && p.size == size && p.path == path.id() && p.ok())
            .map(|p| p.ops_per_s)
    }

    /// AF_ALG's best path at a point: (ops/s, path).
    fn af_alg_best(&self, alg: &str, size: usize) -> Option<(f64, PathKind)> {
        [PathKind::AfAlgSendmsg, PathKind::AfAlgSplice]
            .into_iter()
            .filter_map(|p| self.ops(alg, size, p).map(|o| (o, p)))
            .max_by(|a, b| a.0.total_cmp(&b.0))
    }

    /// kcrypto's best path at a point (one operation per call pair, or batched): (ops/s, path).
    fn kcrypto_best(&self, alg: &str, size: usize) -> Option<(f64, PathKind)> {
        [
            PathKind::Kcrypto,
            PathKind::KcryptoBatch,
            PathKind::KcryptoUring,
            PathKind::KcryptoRecords,
        ]
        .into_iter()
        .filter_map(|p| self.ops(alg, size, p).map(|o| (o, p)))
        .max_by(|a, b| a.0.total_cmp(&b.0))
    }

    fn vs_af_alg(&self, alg: &str, size: usize) -> Option<f64> {
        Some(self.kcrypto_best(alg, size)?.0 / self.af_alg_best(alg, size)?.0)
    }

    fn vs_kernel(&self, alg: &str, size: usize) -> Option<f64> {
        Some(self.kcrypto_best(alg, size)?.0 / self.ops(alg, size, PathKind::Kernel)?)
    }

    fn queue_vs_kernel(&self, alg: &str, size: usize) -> Option<f64> {
        Some(
            self.ops(alg, size, PathKind::KcryptoQueue)?
                / self.ops(alg, size, PathKind::KernelQueue)?,
        )
    }

    fn compute_targets(&self) -> Vec<Target> {
        let mut targets = Vec::new();
        let mut add = |target, alg: &'static str, size, ratio: Option<f64>, goal| {
            targets.push(Target {
                target,
                alg,
                size,
                ratio,
                goal,
                met: ratio.map(|r| r >= goal),
            });
        };
        for alg in ALGS
            .iter()
            .filter(|a| self.points.iter().any(|p| p.alg == a.label))
        {
            add(
                "64 B ops/s, kcrypto best vs AF_ALG best",
                alg.label,
                64,
                self.vs_af_alg(alg.label, 64),
                1.5,
            );
        }
        for alg in ALGS
            .iter()
            .filter(|a| self.points.iter().any(|p| p.alg == a.label))
        {
            add(
                "64 KiB, kcrypto best vs AF_ALG best",
                alg.label,
                64 << 10,
                self.vs_af_alg(alg.label, 64 << 10),
                0.9,
            );
            add(
                "64 KiB, kcrypto best vs in-kernel",
                alg.label,
                64 << 10,
                self.vs_kernel(alg.label, 64 << 10),
                0.75,
            );
        }
        for alg in ALGS
            .iter()
            .filter(|a| a.hardware && self.points.iter().any(|p| p.alg == a.label))
        {
            add(
                "64 KiB, queue vs in-kernel queue",
                alg.label,
                64 << 10,
                self.queue_vs_kernel(alg.label, 64 << 10),
                0.9,
            );
        }
        targets
    }

    /// Measurements that failed or produced a wrong result.
    pub fn failures(&self) -> usize {
        self.points
            .iter()
            .filter(|p| p.error.is_some() || p.verified == Some(false))
            .count()
    }

    /// The memory target's row: met if every filled socket stayed within its bound.
    fn memory_target(&self) -> String {
        if self.memory.is_empty() {
            return "| memory per socket within its bound | all | – | – | not measured |".into();
        }
        let above = self.memory.iter().filter(|m| !m.within).count();
        let worst = self
            .memory
            .iter()
            .map(|m| m.bytes as f64 / m.bound as f64)
            .fold(0.0, f64::max);
        format!(
            "| memory per socket within its bound, {} points | all | {} (highest) | ≤ 1.00× | {} |",
            self.memory.len(),
            bound_ratio(worst),
            if above == 0 { "yes" } else { "**no**" }
        )
    }

    /// The memory per socket table.
    fn memory_markdown(&self, s: &mut String) {
        if self.memory.is_empty() {
            return;
        }
        let _ = writeln!(
            s,
            "## Memory per socket\n\n\
             Operation sockets (with the socket that accepted them) filled with unread results \
             until `EAGAIN`, with their default `SO_SNDBUF` (four messages above it), measured \
             by their memory cgroup. The bound (Documentation/userspace-api.rst): {} KiB + \
             `SO_SNDBUF`, against which each message counts its input and output in whole \
             pages and {} KiB; a hash socket in record mode holds at most {} digests of {} KiB.\n",
            memory::FIXED >> 10,
            kcrypto::charge::REQUEST >> 10,
            memory::MAX_DIGESTS,
            memory::DIGEST >> 10
        );
        let _ = writeln!(
            s,
            "| algorithm | size | sockets | SO_SNDBUF | results held (max) | idle | filled | bound | within |\n\
             |---|---|---|---|---|---|---|---|---|"
        );
        let kib = |b: usize| format!("{:.1} KiB", b as f64 / 1024.0);
        for m in &self.memory {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} ({}) | {} | {} | {} | {} |",
                m.alg,
                size_label(m.size),
                m.sockets,
                m.sndbuf,
                m.results,
                m.max_results,
                kib(m.idle_bytes),
                kib(m.bytes),
                kib(m.bound),
                if m.within { "yes" } else { "**no**" }
            );
        }
        s.push('\n');
    }

    pub fn markdown(&self) -> String {
        let m = &self.meta;
        let mut s = String::new();
        let _ = writeln!(s, "# kcrypto bench\n");
        let _ = writeln!(
            s,
            "{} · kernel {} · {} · {} ({} CPUs, user copies by {}) · {} × {} ms per point, median; \
             ± is (max − min) / median · queue depth {} · batch {} · records {} · {}\n",
            m.date,
            m.kernel,
            m.accel,
            m.cpu,
            m.cpus,
            m.user_copy,
            m.reps,
            m.rep_ms,
            m.depth,
            m.batch,
            m.records,
            m.openssl
        );
        let _ = writeln!(s, "## Targets (issue 7)\n");
        let _ = writeln!(
            s,
            "| target | algorithm | ratio | goal | met |\n|---|---|---|---|---|"
        );
        for t in &self.targets {
            let met = match t.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "not measured",
            };
            let _ = writeln!(
                s,
                "| {} | {} | {} | ≥ {:.2}× | {met} |",
                t.target,
                t.alg,
                target_ratio(t.ratio, t.goal),
                t.goal
            );
        }
        let _ = writeln!(s, "{}\n", self.memory_target());
        for alg in ALGS
            .iter()
            .filter(|a| self.points.iter().any(|p| p.alg == a.label))
        {
            self.alg_markdown(&mut s, alg);
        }
        self.memory_markdown(&mut s);
        s
    }

    fn alg_markdown(&self, s: &mut String, alg: &Alg) {
        let points: Vec<&Point> = self.points.iter().filter(|p| p.alg == alg.label).collect();
        let paths: Vec<PathKind> = PathKind::ALL
            .into_iter()
            .filter(|k| points.iter().any(|p| p.path == k.id()))
            .collect();
        let driver = points
            .iter()
            .find_map(|p| p.driver.clone())
            .unwrap_or_else(|| "?".into());
        let _ = writeln!(s, "## {} (`{}`)\n", alg.label, driver);
        let mut head = String::from("| size |");
        let mut rule = String::from("|---|");
        for p in &paths {
            let _ = write!(head, " {} |", p.id());
            rule.push_str("---|");
        }
        head.push_str(" kcrypto best / AF_ALG best | kcrypto best / in-kernel |");
        rule.push_str("---|---|");
        if alg.hardware {
            head.push_str(" queue / in-kernel queue |");
            rule.push_str("---|");
        }
        let _ = writeln!(s, "{head}\n{rule}");
        for &size in SIZES
            .iter()
            .filter(|&&z| points.iter().any(|p| p.size == z))
        {
            let _ = write!(s, "| {} |", size_label(size));
            for path in &paths {
                let cell = match points
                    .iter()
                    .find(|p| p.size == size && p.path == path.id())
                {
                    None => "–".to_string(),
                    Some(p) if p.error.is_some() => "error".to_string(),
                    Some(p) if p.verified == Some(false) => "wrong output".to_string(),
                    Some(p) => format!(
                        "{}, {} ±{:.0}%",
                        rate(p.ops_per_s),
                        mbs(p.mb_per_s),
                        p.spread_pct
                    ),
                };
                let _ = write!(s, " {cell} |");
            }
            let ours = self
                .kcrypto_best(alg.label, size)
                .map(|(_, p)| p.id())
                .unwrap_or("");
            let best = self
                .af_alg_best(alg.label, size)
                .map(|(_, p)| p.id().trim_start_matches("af_alg-"))
                .unwrap_or("");
            let _ = write!(
                s,
                " {} {ours}/{best} | {} {ours} |",
                ratio(self.vs_af_alg(alg.label, size)),
                ratio(self.vs_kernel(alg.label, size))
            );
            if alg.hardware {
                let _ = write!(s, " {} |", ratio(self.queue_vs_kernel(alg.label, size)));
            }
            s.push('\n');
        }
        let socket_paths: Vec<&PathKind> = paths
            .iter()
            .filter(|p| {
                points
                    .iter()
                    .any(|q| q.path == p.id() && q.syscalls_per_op.is_some())
            })
            .collect();
        let _ = write!(s, "\nSystem calls per operation: ");
        let parts: Vec<String> = socket_paths
            .iter()
            .map(|path| {
                let counts: Vec<f64> = points
                    .iter()
                    .filter(|p| p.path == path.id())
                    .filter_map(|p| p.syscalls_per_op)
                    .collect();
                let lo = counts.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = counts.iter().copied().fold(0.0, f64::max);
                if hi - lo < 0.05 {
                    format!("{} {lo:.2}", path.id())
                } else {
                    format!("{} {lo:.2}–{hi:.2}", path.id())
                }
            })
            .collect();
        let _ = writeln!(s, "{}.\n", parts.join(", "));
        let errors: Vec<String> = points
            .iter()
            .filter_map(|p| {
                p.error
                    .as_ref()
                    .map(|e| format!("{} at {}: {e}", p.path, size_label(p.size)))
            })
            .collect();
        if !errors.is_empty() {
            let _ = writeln!(s, "Errors: {}.\n", errors.join("; "));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_spread() {
        let mut p = Point::new(&ALGS[0], 64, PathKind::Kcrypto);
        p.reps = vec![300.0, 100.0, 200.0, 400.0];
        p.finish();
        assert_eq!(p.ops_per_s, 250.0);
        assert_eq!((p.ops_per_s_min, p.ops_per_s_max), (100.0, 400.0));
        assert_eq!(p.spread_pct, 120.0);
        assert_eq!(p.mb_per_s, 250.0 * 64.0 / 1e6);
    }

    #[test]
    fn a_miss_is_never_rounded_up_to_its_goal() {
        assert_eq!(target_ratio(Some(0.896), 0.9), "0.896×");
        assert_eq!(target_ratio(Some(0.8999), 0.9), "0.899×");
        assert_eq!(target_ratio(Some(1.4951), 1.5), "1.495×");
        assert_eq!(target_ratio(Some(0.894), 0.9), "0.89×");
        assert_eq!(target_ratio(Some(0.9), 0.9), "0.90×");
        assert_eq!(target_ratio(Some(0.904), 0.9), "0.90×");
        assert_eq!(target_ratio(None, 0.9), "–");
        assert_eq!(bound_ratio(1.0041), "1.005×");
        assert_eq!(bound_ratio(1.0001), "1.001×");
        assert_eq!(bound_ratio(1.0), "1.00×");
        assert_eq!(bound_ratio(0.93), "0.93×");
        assert_eq!(bound_ratio(1.006), "1.01×");
    }

    #[test]
    fn sizes_and_lengths() {
        assert_eq!(size_label(16), "16 B");
        assert_eq!(size_label(64 << 10), "64 KiB");
        assert_eq!(size_label(1 << 20), "1 MiB");
        let cbc = ALGS.iter().find(|a| a.name == "cbc(aes)").unwrap();
        assert!(cbc.takes(16) && !cbc.takes(24));
        let virtio = ALGS.iter().find(|a| a.hardware).unwrap();
        assert!(virtio.takes(64 << 10) && !virtio.takes(1 << 20));
        let gcm = ALGS.iter().find(|a| a.name == "gcm(aes)").unwrap();
        assert_eq!(gcm.output_len(64), 80);
    }

    #[test]
    fn targets_compare_best_paths() {
        let meta = Meta {
            date: String::new(),
            kernel: String::new(),
            kernel_version: String::new(),
            accel: "TCG".into(),
            cpu: String::new(),
            cpus: 1,
            user_copy: String::new(),
            openssl: String::new(),
            kcrypto_family: 25,
            reps: 1,
            rep_ms: 1,
            depth: 1,
            batch: 16,
            records: 64,
        };
        let point = |path, ops| {
            let mut p = Point::new(&ALGS[0], 64, path);
            p.reps = vec![ops];
            p.finish();
            p
        };
        let report = Report::new(
            meta,
            vec![
                point(PathKind::Kcrypto, 250.0),
                point(PathKind::KcryptoBatch, 300.0),
                point(PathKind::AfAlgSendmsg, 100.0),
                point(PathKind::AfAlgSplice, 200.0),
                point(PathKind::Kernel, 600.0),
            ],
            Vec::new(),
        );
        let t = &report.targets[0];
        assert_eq!(
            (t.alg, t.size, t.ratio, t.met),
            ("sha256", 64, Some(1.5), Some(true))
        );
        assert_eq!(report.vs_kernel("sha256", 64), Some(0.5));
        assert!(report.markdown().contains("| 64 B | 250 op/s"));
        assert!(report.markdown().contains("1.50× kcrypto-batch/splice"));
        assert!(
            report
                .markdown()
                .contains("| memory per socket within its bound | all | – | – | not measured |")
        );
    }

    #[test]
    fn memory_bound_counts_pages_and_results() {
        let cbc = ALGS.iter().find(|a| a.name == "cbc(aes)").unwrap();
        // 64-byte messages: an input and an output page and a request each.
        let (n, b) = memory::bound(cbc, 64, 212_992);
        assert_eq!(n, 212_992 / (2 * 4104 + 2048));
        assert_eq!(b, (16 << 10) + 212_992);
        // 64 KiB: one fits in the default send buffer.
        assert_eq!(memory::bound(cbc, 64 << 10, 212_992).0, 1);
        let sha = &ALGS[0];
        assert_eq!(
            memory::bound(sha, 1 << 20, 212_992),
            (64, (16 << 10) + 64 * (2 << 10))
        );
    }
}
