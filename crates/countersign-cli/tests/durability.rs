//! `sign_file` makes its output durable: the temporary file is flushed to disk before it is
//! renamed over the output, and the directory is synced after the rename. Observed with strace on
//! the CLI, which signs through `sign_file`.
#![cfg(target_os = "linux")]

#[path = "../../../tests/common/mod.rs"]
mod common;

use std::process::Command;

/// strace, or `None` (outside CI) with a `skipped:` line.
fn strace() -> Option<&'static str> {
    if Command::new("strace").arg("-V").output().is_ok() {
        return Some("strace");
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "strace not installed, but CI=true requires it (see .ci/run)"
    );
    eprintln!("skipped: strace not installed");
    None
}

#[test]
fn the_output_is_flushed_before_the_rename_and_the_rename_after_it() {
    let Some(strace) = strace() else { return };
    let dir = common::TempDir::new("durability");
    let output = dir.path().join("signed.pdf");
    let log = dir.path().join("strace.log");
    let status = Command::new(strace)
        .args([
            "-f",
            "-y",
            "-e",
            "trace=fsync,fdatasync,rename,renameat,renameat2",
            "-o",
        ])
        .arg(&log)
        .arg(env!("CARGO_BIN_EXE_countersign"))
        .arg("sign")
        .arg(common::pdf_path("classic.pdf"))
        .arg("-o")
        .arg(&output)
        .status()
        .unwrap();
    assert!(status.success());
    let log = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    let rename = lines
        .iter()
        .position(|l| l.contains("rename") && l.contains("signed.pdf\""))
        .unwrap_or_else(|| panic!("no rename onto the output:\n{log}"));
    let synced_temp = lines[..rename]
        .iter()
        .any(|l| (l.contains("fsync(") || l.contains("fdatasync(")) && l.contains(".tmp>"));
    assert!(
        synced_temp,
        "temporary file not flushed before the rename:\n{log}"
    );
    let dir_name = dir.path().canonicalize().unwrap();
    let synced_dir = lines[rename..]
        .iter()
        .any(|l| l.contains("fsync(") && l.contains(&format!("<{}>", dir_name.display())));
    assert!(synced_dir, "directory not synced after the rename:\n{log}");
}

/// One system call from an `strace -f` log, with the positions in the log where it started and
/// ended (a call interrupted by another thread's output is printed as `<unfinished ...>` and
/// `<... name resumed>`).
struct Call {
    start: usize,
    end: usize,
    name: String,
    /// The first argument as printed (`5</path/to/file>` with `-y`) or the whole argument list.
    args: String,
}

fn parse_calls(log: &str) -> Vec<Call> {
    let mut calls = Vec::new();
    let mut open: std::collections::HashMap<String, (usize, String, String)> = Default::default();
    for (index, line) in log.lines().enumerate() {
        let Some((pid, rest)) = line.split_once(' ') else {
            continue;
        };
        let rest = rest.trim_start();
        if let Some(resumed) = rest.strip_prefix("<... ") {
            let name = resumed.split(' ').next().unwrap_or_default().to_owned();
            if let Some((start, open_name, args)) = open.remove(pid) {
                assert_eq!(open_name, name, "resumed call of another name: {line}");
                calls.push(Call {
                    start,
                    end: index,
                    name,
                    args,
                });
            }
            continue;
        }
        let Some((name, args)) = rest.split_once('(') else {
            continue;
        };
        if rest.ends_with("<unfinished ...>") {
            open.insert(pid.to_owned(), (index, name.to_owned(), args.to_owned()));
        } else {
            calls.push(Call {
                start: index,
                end: index,
                name: name.to_owned(),
                args: args.to_owned(),
            });
        }
    }
    calls
}

#[test]
fn a_file_batch_flushes_every_output_before_its_rename_and_the_folder_after_the_renames() {
    let Some(strace) = strace() else { return };
    const FILES: usize = 24;
    let dir = common::TempDir::new("durability-batch");
    let inputs = dir.path().join("in");
    let outputs = dir.path().join("out");
    std::fs::create_dir_all(&inputs).unwrap();
    std::fs::create_dir_all(&outputs).unwrap();
    for i in 0..FILES {
        std::fs::copy(
            common::pdf_path("classic.pdf"),
            inputs.join(format!("{i:02}.pdf")),
        )
        .unwrap();
    }
    let log = dir.path().join("strace.log");
    let status = Command::new(strace)
        .args(["-f", "-y", "-s", "0", "-e"])
        .arg("trace=write,fsync,fdatasync,syncfs,rename,renameat,renameat2")
        .arg("-o")
        .arg(&log)
        .arg(env!("CARGO_BIN_EXE_countersign"))
        .arg("batch")
        .arg(&inputs)
        .arg("-o")
        .arg(&outputs)
        .arg("--cert")
        .arg(common::pki_path("demo.chain.pem"))
        .arg("--key")
        .arg(common::pki_path("demo.key.pem"))
        .args(["-j", "2", "--json"])
        .output()
        .unwrap()
        .status;
    assert!(status.success());
    let log = std::fs::read_to_string(&log).unwrap();
    let calls = parse_calls(&log);
    let out_dir = format!("<{}>", outputs.canonicalize().unwrap().display());

    let renames: Vec<&Call> = calls
        .iter()
        .filter(|c| c.name.starts_with("rename") && c.args.contains("/out/"))
        .collect();
    assert_eq!(renames.len(), FILES, "one rename per output:\n{log}");
    let mut flushes_used = std::collections::BTreeSet::new();
    for rename in &renames {
        // rename("/…/out/.07.pdf.123.4.tmp", "/…/out/07.pdf")
        let temp = rename.args.split('"').nth(1).unwrap();
        let last_write = calls
            .iter()
            .filter(|c| c.name == "write" && c.args.starts_with(|ch: char| ch.is_ascii_digit()))
            .filter(|c| c.args.contains(&format!("{temp}>")))
            .map(|c| c.end)
            .max()
            .unwrap_or_else(|| panic!("no write to {temp}:\n{log}"));
        // The data is flushed (fsync of the file, or syncfs of the folder's file system) after
        // the last write and before the rename.
        let flush = calls
            .iter()
            .position(|c| {
                c.start > last_write
                    && c.end < rename.start
                    && ((c.name == "syncfs" && c.args.contains(&out_dir))
                        || (c.name.contains("sync") && c.args.contains(&format!("{temp}>"))))
            })
            .unwrap_or_else(|| panic!("{temp} renamed before its data was flushed:\n{log}"));
        flushes_used.insert(flush);
        // The folder is flushed after the rename.
        assert!(
            calls
                .iter()
                .any(|c| c.name == "fsync" && c.args.contains(&out_dir) && c.start > rename.end),
            "the rename of {temp} is not followed by a flush of its folder:\n{log}"
        );
    }
    let names: std::collections::BTreeSet<String> = std::fs::read_dir(&outputs)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names.len(),
        FILES,
        "every output, no temporary file left: {names:?}"
    );
    eprintln!(
        "{FILES} outputs made durable by {} data flush(es)",
        flushes_used.len()
    );
    // Where syncfs reports write-back errors (Linux 5.8+ on ext4, XFS, Btrfs, F2FS), the batch
    // flushes each group with it and no file alone.
    if kernel_at_least(5, 8) && writes_back_its_own_data(&outputs) {
        let alone = calls
            .iter()
            .filter(|c| c.name.contains("sync") && c.args.contains(".tmp>"))
            .count();
        assert_eq!(alone, 0, "files flushed one by one:\n{log}");
        assert!(
            calls.iter().any(|c| c.name == "syncfs"),
            "no syncfs:\n{log}"
        );
    }
}

fn kernel_at_least(major: u32, minor: u32) -> bool {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    let mut numbers = release
        .trim()
        .split(|c: char| !c.is_ascii_digit())
        .map(|n| n.parse::<u32>().unwrap());
    (numbers.next().unwrap(), numbers.next().unwrap()) >= (major, minor)
}

/// The file system type as `stat -f` names it is one whose `syncfs` the batch trusts.
fn writes_back_its_own_data(dir: &std::path::Path) -> bool {
    let out = Command::new("stat")
        .args(["-f", "-c", "%T"])
        .arg(dir)
        .output()
        .unwrap();
    let kind = String::from_utf8_lossy(&out.stdout);
    let trusted = ["ext2/ext3", "xfs", "btrfs", "f2fs"].contains(&kind.trim());
    if !trusted {
        eprintln!("not checked: syncfs is not used on {}", kind.trim());
    }
    trusted
}
