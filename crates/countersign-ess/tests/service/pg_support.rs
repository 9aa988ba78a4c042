//! A throw-away PostgreSQL server for the tests (`#[path]`-included): the distribution's binaries
//! (`initdb`, `pg_ctl`), a temporary data folder and a free loopback port. As root the server runs
//! as the `postgres` user (PostgreSQL refuses root). `None` after printing `skipped: ...` when the
//! binaries are missing, a panic under CI=true.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A running server; stopped (immediately) and deleted on drop.
pub struct PgServer {
    root: PathBuf,
    data: PathBuf,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

const USER: &str = "countersign";

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true")
}

/// The newest `/usr/lib/postgresql/*/bin` holding `pg_ctl`, else `pg_ctl` on PATH.
fn find_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin"))
        .filter(|bin| bin.join("pg_ctl").is_file())
        .collect();
    versions.sort_by_key(|bin| {
        bin.parent()
            .and_then(Path::file_name)
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or_default()
    });
    if let Some(bin) = versions.pop() {
        return Some(bin);
    }
    let on_path = Command::new("pg_ctl").arg("--version").output();
    on_path
        .is_ok_and(|out| out.status.success())
        .then(PathBuf::new)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl PgServer {
    pub fn start(label: &str) -> Option<Self> {
        let Some(bin) = find_bin() else {
            let why = "PostgreSQL server binaries (initdb, pg_ctl) not installed";
            assert!(!ci(), "{why}, but CI=true requires them (see .ci/run)");
            eprintln!("skipped: {why}");
            return None;
        };
        let root = std::env::temp_dir().join(format!(
            "countersign-pg-{label}-{}-{}",
            std::process::id(),
            countersign_ess::__private::random_id()
        ));
        std::fs::create_dir_all(&root).unwrap();
        let as_postgres = is_root();
        if as_postgres {
            let status = Command::new("chown")
                .args(["postgres:", &root.display().to_string()])
                .status()
                .unwrap();
            assert!(status.success(), "chown postgres {}", root.display());
        }
        let mut server = Self {
            data: root.join("data"),
            root,
            bin,
            port: 0,
            as_postgres,
        };
        let init = server.run(
            "initdb",
            &[
                "-D",
                &server.data.display().to_string(),
                "-U",
                USER,
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        );
        assert!(init.status.success(), "initdb: {init:?}");
        // A port taken between the probe and the start: try another one.
        for _ in 0..5 {
            server.port = free_port();
            let options = format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
                server.port,
                server.root.display()
            );
            let log = server.root.join("server.log").display().to_string();
            let data = server.data.display().to_string();
            let started = server.run(
                "pg_ctl",
                &[
                    "-D", &data, "-o", &options, "-l", &log, "-w", "-t", "60", "start",
                ],
            );
            if started.status.success() {
                return Some(server);
            }
        }
        panic!(
            "PostgreSQL did not start: {}",
            std::fs::read_to_string(server.root.join("server.log")).unwrap_or_default()
        );
    }

    fn run(&self, tool: &str, args: &[&str]) -> Output {
        let program = self.bin.join(tool);
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&program);
            command
        } else {
            Command::new(&program)
        };
        command.args(args).current_dir(&self.root).output().unwrap()
    }

    /// A URL for database `name` (created by [`PgServer::create_database`]).
    pub fn url(&self, name: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates an empty database and returns its URL.
    pub fn create_database(&self, name: &str) -> String {
        let mut admin = postgres::Client::connect(&self.url("postgres"), postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        self.url(name)
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let data = self.data.display().to_string();
        let _ = self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
