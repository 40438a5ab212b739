//! Start-up cost of the id map: `cargo bench --bench idmap_open -- FILE ROWS`
//! fills FILE with ROWS message rows (when it does not exist yet), then times
//! `IdMap::open_path` on it and prints the process's resident memory before and after.

use std::time::Instant;
use threadgate::idmap::{IdMap, Kind, Sources};

fn rss_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `cargo bench` adds `--bench`; `cargo test --benches` asks for a list.
    let mut args = std::env::args().skip(1).filter(|a| !a.starts_with("--"));
    if std::env::args().any(|a| a == "--list") {
        return Ok(());
    }
    let path = args.next().unwrap_or_else(|| {
        std::env::temp_dir()
            .join("threadgate-idmap-open.sqlite")
            .display()
            .to_string()
    });
    let rows: i64 = args.next().unwrap_or_else(|| "1000000".into()).parse()?;
    if !std::path::Path::new(&path).exists() {
        let started = Instant::now();
        let conn = rusqlite::Connection::open(&path)?;
        conn.execute_batch(&format!(
            "CREATE TABLE int_ids (
                 kind TEXT NOT NULL, id TEXT NOT NULL, int_id INTEGER NOT NULL,
                 PRIMARY KEY (kind, id)) WITHOUT ROWID;
             CREATE UNIQUE INDEX int_ids_int ON int_ids(kind, int_id);
             WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < {rows})
             INSERT INTO int_ids SELECT 'message', printf('msg-%010d', n), n FROM c;"
        ))?;
        println!(
            "filled {path} with {rows} rows in {:.2?}",
            started.elapsed()
        );
    }
    let before = rss_kb("VmRSS:");
    let started = Instant::now();
    let map = IdMap::open_path(&path, &Sources::default())?;
    let elapsed = started.elapsed();
    println!(
        "open_path: {elapsed:.2?}, RSS {before} kB before, {} kB after (peak {} kB)",
        rss_kb("VmRSS:"),
        rss_kb("VmHWM:")
    );
    let started = Instant::now();
    let probe = rows / 2;
    let id = map.id_of(Kind::Message, probe)?;
    let n = map.int_of(Kind::Message, &format!("msg-{probe:010}"))?;
    println!("first lookups: {:.2?} ({id:?}, {n})", started.elapsed());
    Ok(())
}
