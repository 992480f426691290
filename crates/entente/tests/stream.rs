//! `entente stream` against real NATS servers (Debian's `nats-server`, started here on free loopback ports):
//! N messages in → N distinct results out, two workers share the work, a worker killed with SIGKILL mid-stream
//! loses nothing, a malformed message is dead-lettered after bounded deliveries while the worker goes on, and the
//! listed names are flagged. Without `nats-server` the tests fail under CI (`CI` set) and skip elsewhere.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../entente-screen/tests/fixtures");

fn nats_server_bin() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")])
        .map(|d| d.join("nats-server"))
        .find(|p| p.is_file());
    if found.is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("nats-server is not installed (apt-get install nats-server): the stream tests cannot run in CI");
        }
        eprintln!("SKIPPED: nats-server is not installed (apt-get install nats-server)");
    }
    found
}

/// `n` distinct free loopback ports (all probed at once, so none is handed out twice).
fn free_ports(n: usize) -> Vec<u16> {
    let held: Vec<TcpListener> = (0..n).map(|_| TcpListener::bind("127.0.0.1:0").unwrap()).collect();
    held.iter().map(|l| l.local_addr().unwrap().port()).collect()
}

/// A nats-server with JetStream on a free loopback port, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

/// A 3-node JetStream cluster on free loopback ports; `nodes[i]` can be stopped.
struct Cluster {
    nodes: Vec<Option<Server>>,
}

impl Cluster {
    /// Starts the three nodes; a node that exits at start (a port another test took between our probe and its bind)
    /// makes a fresh try on new ports, at most three times.
    fn start(bin: &Path) -> Cluster {
        let mut why = String::new();
        for _ in 0..3 {
            match Cluster::try_start(bin) {
                Ok(c) => return c,
                Err(e) => why = e,
            }
        }
        panic!("the cluster did not start: {why}");
    }

    fn try_start(bin: &Path) -> Result<Cluster, String> {
        let ports = free_ports(6);
        let (client, route) = ports.split_at(3);
        let routes = route.iter().map(|p| format!("nats://127.0.0.1:{p}")).collect::<Vec<_>>().join(",");
        let nodes = (0..3)
            .map(|i| {
                let dir = tempfile::tempdir().unwrap();
                let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
                let child = Command::new(bin)
                    .args(["-js", "-a", "127.0.0.1", "-p", &client[i].to_string(), "-n", &format!("n{i}")])
                    .args(["--cluster_name", "entente", "--cluster", &format!("nats://127.0.0.1:{}", route[i])])
                    .args(["--routes", &routes, "-sd"])
                    .arg(dir.path())
                    .stdout(Stdio::null())
                    .stderr(log)
                    .spawn()
                    .unwrap();
                Some(Server { child, port: client[i], _dir: dir })
            })
            .collect();
        let mut c = Cluster { nodes };
        // JetStream is ready once a meta leader is elected: account info answers without error
        let t = Instant::now();
        for i in 0..3 {
            while TcpStream::connect(("127.0.0.1", c.nodes[i].as_ref().unwrap().port)).is_err() {
                c.all_alive()?;
                if t.elapsed() > Duration::from_secs(30) {
                    let n = c.nodes[i].as_ref().unwrap();
                    return Err(format!("node on port {} did not listen in 30 s: {}", n.port, n.log()));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        // (a fresh connection per try: an unanswered request leaves nothing behind to misread). A node whose route
        // port was taken listens on its client port and then exits: the handshake fails (connection reset), which
        // is a retry on new ports, not a test failure.
        loop {
            c.all_alive()?;
            match Raw::try_connect(c.nodes[0].as_ref().unwrap().port) {
                Ok(mut raw) => {
                    if raw.ready() {
                        break;
                    }
                }
                Err(e) if t.elapsed() > Duration::from_secs(10) => {
                    return Err(format!("node 0 refused the NATS handshake for 10 s ({e}): {}", c.logs()));
                }
                Err(_) => {}
            }
            if t.elapsed() > Duration::from_secs(60) {
                return Err(format!("no JetStream meta leader in 60 s: {}", c.logs()));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        // (a node that lost its port to another process exits within milliseconds of starting)
        c.all_alive()?;
        Ok(c)
    }

    /// Err (with its log) when a node has exited.
    fn all_alive(&mut self) -> Result<(), String> {
        for n in self.nodes.iter_mut().flatten() {
            if let Some(status) = n.child.try_wait().ok().flatten() {
                return Err(format!("node on port {} exited ({status}): {}", n.port, n.log()));
            }
        }
        Ok(())
    }

    fn logs(&self) -> String {
        self.nodes.iter().flatten().map(|n| format!("\n--- node on port {} ---\n{}", n.port, n.log())).collect()
    }

    fn url(&self) -> String {
        self.nodes.iter().flatten().map(Server::url).collect::<Vec<_>>().join(",")
    }
}

impl Server {
    /// The server picks its own port (`-p -1`) and names it in its log: no probe-then-bind race with the other
    /// tests' servers and connections.
    fn start(bin: &Path) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        let mut child = Command::new(bin)
            .args(["-js", "-a", "127.0.0.1", "-p", "-1", "-sd"])
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let t = Instant::now();
        let marker = "Listening for client connections on 127.0.0.1:";
        let port = loop {
            let text = std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
            if let Some(port) = text.lines().find_map(|l| l.split_once(marker)).and_then(|(_, p)| p.trim().parse().ok())
            {
                break port;
            }
            if let Some(status) = child.try_wait().ok().flatten() {
                panic!("nats-server exited ({status}): {text}");
            }
            assert!(t.elapsed() < Duration::from_secs(10), "nats-server did not start in 10 s: {text}");
            std::thread::sleep(Duration::from_millis(20));
        };
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(t.elapsed() < Duration::from_secs(10), "nats-server did not listen on port {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        Server { child, port, _dir: dir }
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// What the server wrote to its log, for a failure message.
    fn log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// Just enough of the NATS protocol to publish a raw message and make JetStream API requests.
struct Raw {
    w: TcpStream,
    r: BufReader<TcpStream>,
}

impl Raw {
    fn connect(port: u16) -> Raw {
        Raw::try_connect(port).unwrap_or_else(|e| panic!("NATS handshake on port {port}: {e}"))
    }
    fn try_connect(port: u16) -> std::io::Result<Raw> {
        let s = TcpStream::connect(("127.0.0.1", port))?;
        s.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut raw = Raw { w: s.try_clone()?, r: BufReader::new(s) };
        let mut info = String::new();
        raw.r.read_line(&mut info)?;
        if !info.starts_with("INFO") {
            return Err(std::io::Error::other(format!("expected INFO, got {info:?}")));
        }
        raw.w.write_all(b"CONNECT {\"verbose\":false,\"headers\":true,\"no_responders\":true}\r\nPING\r\n")?;
        loop {
            let mut l = String::new();
            raw.r.read_line(&mut l)?;
            match l.trim_end() {
                "PONG" => return Ok(raw),
                e if e.starts_with("-ERR") || l.is_empty() => return Err(std::io::Error::other(format!("got {e:?}"))),
                _ => {}
            }
        }
    }
    fn line(&mut self) -> String {
        let mut l = String::new();
        self.r.read_line(&mut l).unwrap();
        l.trim_end().to_string()
    }
    fn pong(&mut self) {
        loop {
            let l = self.line();
            if l == "PONG" {
                return;
            }
            assert!(!l.starts_with("-ERR"), "{l}");
        }
    }
    fn hpub(&mut self, subject: &str, headers: &[(&str, &str)], payload: &[u8]) {
        let mut h = String::from("NATS/1.0\r\n");
        for (k, v) in headers {
            h.push_str(&format!("{k}: {v}\r\n"));
        }
        h.push_str("\r\n");
        let cmd = format!("HPUB {subject} {} {}\r\n", h.len(), h.len() + payload.len());
        self.w.write_all(cmd.as_bytes()).unwrap();
        self.w.write_all(h.as_bytes()).unwrap();
        self.w.write_all(payload).unwrap();
        self.w.write_all(b"\r\nPING\r\n").unwrap();
        self.pong();
    }
    /// A request/reply (the JetStream API): the reply's payload.
    fn request(&mut self, subject: &str, payload: &str) -> serde_json::Value {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let inbox = format!("_INBOX.test{}", NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        let cmd = format!("SUB {inbox} 1\r\nPUB {subject} {inbox} {}\r\n{payload}\r\n", payload.len());
        self.w.write_all(cmd.as_bytes()).unwrap();
        loop {
            let l = self.line();
            if l.starts_with("MSG ") || l.starts_with("HMSG ") {
                let n: usize = l.rsplit(' ').next().unwrap().parse().unwrap();
                let mut buf = vec![0; n + 2];
                self.r.read_exact(&mut buf).unwrap();
                self.w.write_all(b"UNSUB 1\r\n").unwrap();
                let body = String::from_utf8_lossy(&buf[..n]).into_owned();
                let json = body.find('{').map(|i| &body[i..]).unwrap_or("null");
                return serde_json::from_str(json).unwrap();
            }
            assert!(!l.starts_with("-ERR"), "{l}");
        }
    }
    /// JetStream answers (a cluster has elected its meta leader) within a second.
    fn ready(&mut self) -> bool {
        self.w.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
        let inbox = "_INBOX.ready";
        let cmd = format!("SUB {inbox} 1\r\nPUB $JS.API.INFO {inbox} 0\r\n\r\n");
        self.w.write_all(cmd.as_bytes()).unwrap();
        loop {
            let mut l = String::new();
            if self.r.read_line(&mut l).is_err() {
                return false;
            }
            if l.starts_with("MSG ") || l.starts_with("HMSG ") {
                let mut body = String::new();
                self.r.read_line(&mut body).ok();
                return l.starts_with("MSG ") && !body.contains("\"error\"");
            }
        }
    }

    fn consumer_info(&mut self) -> serde_json::Value {
        self.request("$JS.API.CONSUMER.INFO.ENTENTE_PAYMENTS.entente-screen", "")
    }
    fn subject_count(&mut self, stream: &str, subject: &str) -> u64 {
        let info =
            self.request(&format!("$JS.API.STREAM.INFO.{stream}"), &format!("{{\"subjects_filter\":\"{subject}\"}}"));
        info["state"]["subjects"][subject].as_u64().unwrap_or(0)
    }
}

fn entente() -> Command {
    Command::new(env!("CARGO_BIN_EXE_entente"))
}

/// `entente stream lists publish` of a fixture list as `version`.
fn publish_lists(s: &Server, version: &str, file: &str) {
    let o = entente()
        .args(["stream", "lists", "publish", "--nats", &s.url(), "--version", version, "--lists"])
        .arg(format!("{FIXTURES}/{file}"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Settings every command gives (they create the streams and the consumer when missing).
fn broker(s: &Server) -> Vec<String> {
    ["--nats", &s.url(), "--max-deliver", "3", "--ack-wait", "2"].iter().map(|a| a.to_string()).collect()
}

fn worker(s: &Server, id: &str, extra: &[&str]) -> Child {
    entente()
        .args(["stream", "worker"])
        .args(broker(s))
        .args(["--id", id, "--retry-delay", "50", "--lists", &format!("{FIXTURES}/un_small.xml")])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// SIGTERM, then what the worker said on stderr (it must stop on its own).
fn stop(mut w: Child) -> String {
    let sent = Command::new("kill").args(["-TERM", &w.id().to_string()]).status().unwrap();
    assert!(sent.success());
    let t = Instant::now();
    loop {
        if let Some(status) = w.try_wait().unwrap() {
            let mut err = String::new();
            w.stderr.take().unwrap().read_to_string(&mut err).unwrap();
            assert!(status.success(), "worker exit {status}: {err}");
            return err;
        }
        assert!(t.elapsed() < Duration::from_secs(20), "worker did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// 1,000 rows: customers, and every 100th row one of the three names on the UN fixture list.
fn payments_csv(dir: &Path) -> PathBuf {
    let listed = ["Ri Pyong-chol", "Sergei Viktorovich Testov", "Chon Ma San"];
    let mut s = String::from("id,counterparty,country\n");
    for i in 1..=1000usize {
        if i.is_multiple_of(100) {
            s.push_str(&format!("{i},{},\n", listed[(i / 100) % 3]));
        } else {
            s.push_str(&format!("{i},Customer {i} Trading Company,GB\n"));
        }
    }
    let p = dir.join("payments.csv");
    std::fs::write(&p, s).unwrap();
    p
}

fn submit(s: &Server, input: &Path) -> Output {
    let o = entente().args(["stream", "submit"]).args(broker(s)).arg("--input").arg(input).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

/// The results, `expect` of them (within 30 s: each test's take ~2 s, and a pull request lost or miscounted costs
/// a worker ~4 s; async-nats's own re-pull, 35 s, would fail the test); else the test fails with what `results` and
/// the workers said (the workers are killed: none outlives a failed test).
fn results(s: &Server, expect: usize, workers: &mut [&mut Child]) -> Vec<serde_json::Value> {
    let o = entente()
        .args(["stream", "results"])
        .args(broker(s))
        .args(["--expect", &expect.to_string(), "--timeout", "30"])
        .output()
        .unwrap();
    if !matches!(o.status.code(), Some(0 | 1)) {
        let said: Vec<String> = workers
            .iter_mut()
            .map(|w| {
                w.kill().ok();
                let mut err = String::new();
                w.stderr.take().unwrap().read_to_string(&mut err).ok();
                let tail: Vec<&str> = err.lines().rev().take(20).collect();
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            })
            .collect();
        panic!("{}\nworkers (last lines):\n{}", String::from_utf8_lossy(&o.stderr), said.join("\n--\n"));
    }
    String::from_utf8(o.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// Every row has exactly one result, screened; the listed names (and only they) have hits.
fn check_payments(rs: &[serde_json::Value]) {
    assert_eq!(rs.len(), 1000);
    let refs: std::collections::BTreeSet<&str> = rs.iter().map(|r| r["reference"].as_str().unwrap()).collect();
    assert_eq!(refs.len(), 1000, "one result per row");
    for r in rs {
        assert_eq!(r["status"], "ok", "{r}");
        let row: usize = r["reference"].as_str().unwrap().rsplit(':').next().unwrap().parse().unwrap();
        let hits = r["parties"][0]["hits"].as_array().unwrap();
        if row.is_multiple_of(100) {
            assert!(!hits.is_empty() && r["alert"] == true, "row {row} is a listed name: {r}");
            assert!(hits[0]["entity_id"].as_str().unwrap().starts_with("un:9"), "{r}");
        } else {
            assert!(hits.is_empty(), "row {row} is not listed: {r}");
        }
        assert_eq!(r["lists"][0]["list"], "un");
        assert_eq!(r["lists_version"].as_str().unwrap().len(), 16);
    }
}

#[test]
fn two_workers_share_1000_messages_and_the_listed_names_are_flagged() {
    let Some(bin) = nats_server_bin() else { return };
    let s = Server::start(&bin);
    let dir = tempfile::tempdir().unwrap();
    let csv = payments_csv(dir.path());
    let mut a = worker(&s, "wa", &["--batch", "10", "--concurrency", "4"]);
    let mut b = worker(&s, "wb", &["--batch", "10", "--concurrency", "4"]);
    let o = submit(&s, &csv);
    assert!(String::from_utf8_lossy(&o.stderr).contains("published 1000 messages (0 already"));
    // the same file again: the broker drops every message as a duplicate
    let o = submit(&s, &csv);
    assert!(String::from_utf8_lossy(&o.stderr).contains("published 1000 messages (1000 already"));
    let rs = results(&s, 1000, &mut [&mut a, &mut b]);
    check_payments(&rs);
    let by = |w: &str| rs.iter().filter(|r| r["worker"] == w).count();
    assert!(by("wa") > 0 && by("wb") > 0, "both workers screened: wa {} wb {}", by("wa"), by("wb"));
    let (ea, eb) = (stop(a), stop(b));
    assert!(ea.contains("worker wa: stopped; screened") && eb.contains("worker wb: stopped; screened"), "{ea}\n{eb}");
    // nothing more than the 1000 (the repeated submission was de-duplicated)
    let mut raw = Raw::connect(s.port);
    assert_eq!(raw.subject_count("ENTENTE_RESULTS", "entente.results"), 1000);
    assert_eq!(raw.subject_count("ENTENTE_RESULTS", "entente.alerts"), 10);
}

#[test]
fn a_worker_killed_mid_stream_loses_nothing() {
    let Some(bin) = nats_server_bin() else { return };
    let s = Server::start(&bin);
    let dir = tempfile::tempdir().unwrap();
    let csv = payments_csv(dir.path());
    submit(&s, &csv);
    let mut raw = Raw::connect(s.port);
    let mut a = worker(&s, "victim", &["--batch", "200", "--concurrency", "2"]);
    let t = Instant::now();
    while raw.consumer_info()["delivered"]["consumer_seq"].as_u64().unwrap_or(0) == 0 {
        assert!(t.elapsed() < Duration::from_secs(30), "the worker never started");
        std::thread::sleep(Duration::from_millis(2));
    }
    a.kill().unwrap(); // SIGKILL
    a.wait().unwrap();
    let info = raw.consumer_info();
    let left = info["num_pending"].as_u64().unwrap() + info["num_ack_pending"].as_u64().unwrap();
    assert!(left > 0 && info["num_ack_pending"].as_u64().unwrap() > 0, "killed with messages in flight: {info}");
    let mut b = worker(&s, "survivor", &[]);
    let rs = results(&s, 1000, &mut [&mut b]);
    check_payments(&rs);
    assert!(rs.iter().any(|r| r["worker"] == "survivor" && r["delivered"].as_i64().unwrap() >= 2), "redelivered");
    stop(b);
}

#[test]
fn a_malformed_message_is_dead_lettered_after_bounded_deliveries_and_the_worker_goes_on() {
    let Some(bin) = nats_server_bin() else { return };
    let s = Server::start(&bin);
    let dir = tempfile::tempdir().unwrap();
    let mut w = worker(&s, "w1", &[]);
    // the worker creates the streams; wait for its consumer
    let mut raw = Raw::connect(s.port);
    let t = Instant::now();
    while raw.consumer_info()["config"].is_null() {
        assert!(t.elapsed() < Duration::from_secs(30), "no consumer");
        std::thread::sleep(Duration::from_millis(20));
    }
    raw.hpub("entente.screen.json", &[("Nats-Msg-Id", "bad-1"), ("Entente-Ref", "bad.jsonl:1")], b"{\"nme\": 1");
    let parties = dir.path().join("p.jsonl");
    std::fs::write(&parties, "{\"name\":\"Chon Ma San\",\"type\":\"vessel\"}\n{\"name\":\"Olga Demova\"}\n").unwrap();
    submit(&s, &parties);
    let rs = results(&s, 3, &mut [&mut w]);
    let bad = rs.iter().find(|r| r["msg_id"] == "bad-1").expect("an error result for the malformed message");
    assert_eq!(bad["status"], "error");
    assert!(bad["error"].as_str().unwrap().contains("bad.jsonl:1: not a JSON party"), "{bad}");
    let good: Vec<_> = rs.iter().filter(|r| r["status"] == "ok").collect();
    assert_eq!(good.len(), 2);
    assert!(good.iter().any(|r| r["parties"][0]["hits"][0]["entity_id"] == "un:9000003"));
    let t = Instant::now();
    while raw.subject_count("ENTENTE_RESULTS", "entente.dead") == 0 {
        assert!(t.elapsed() < Duration::from_secs(30), "the malformed message never reached entente.dead");
        std::thread::sleep(Duration::from_millis(50));
    }
    let dead = raw.request("$JS.API.STREAM.MSG.GET.ENTENTE_RESULTS", "{\"last_by_subj\":\"entente.dead\"}");
    let hdrs = dead["message"]["hdrs"].as_str().unwrap();
    let hdrs = String::from_utf8(base64_decode(hdrs)).unwrap();
    assert!(hdrs.contains("Entente-Deliveries: 3") && hdrs.contains("Entente-Msg-Id: bad-1"), "{hdrs}");
    let err = stop(w);
    assert!(err.contains("screened 2 messages") && err.contains("(1 dead-lettered)"), "{err}");
    assert_eq!(raw.subject_count("ENTENTE_RESULTS", "entente.dead"), 1);
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let bytes: Vec<u8> = s.bytes().filter(|&c| c != b'=').map(val).collect();
    bytes
        .chunks(4)
        .flat_map(|c| {
            let n = c.iter().enumerate().fold(0u32, |n, (i, &v)| n | (u32::from(v) << (18 - 6 * i)));
            let b = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
            b[..c.len() - 1].to_vec()
        })
        .collect()
}

fn cluster_args(c: &Cluster) -> Vec<String> {
    ["--nats", &c.url(), "--replicas", "3", "--max-deliver", "10", "--ack-wait", "2"]
        .iter()
        .map(|a| a.to_string())
        .collect()
}

/// The results, `expect` of them; else the test fails with what `results` and the worker said.
fn cluster_results(c: &Cluster, expect: usize, w: &mut Child) -> Vec<serde_json::Value> {
    let o = entente()
        .args(["stream", "results"])
        .args(cluster_args(c))
        .args(["--expect", &expect.to_string(), "--timeout", "120"])
        .output()
        .unwrap();
    if !matches!(o.status.code(), Some(0 | 1)) {
        w.kill().ok();
        let mut err = String::new();
        w.stderr.take().unwrap().read_to_string(&mut err).ok();
        let port = c.nodes.iter().flatten().next().unwrap().port;
        let mut raw = Raw::connect(port);
        let streams: Vec<String> = ["ENTENTE_PAYMENTS", "ENTENTE_RESULTS", "KV_ENTENTE_PARTIES"]
            .iter()
            .map(|n| {
                let i = raw.request(&format!("$JS.API.STREAM.INFO.{n}"), "");
                format!("{n}: replicas {} cluster {} state {}", i["config"]["num_replicas"], i["cluster"], i["state"])
            })
            .collect();
        let tail: Vec<&str> = err.lines().rev().take(20).collect();
        panic!(
            "{}\nstreams:\n{}\nworker (last lines):\n{}",
            String::from_utf8_lossy(&o.stderr),
            streams.join("\n"),
            tail.join("\n")
        );
    }
    String::from_utf8(o.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn a_three_node_cluster_with_replicas_3_loses_nothing_when_a_node_stops() {
    let Some(bin) = nats_server_bin() else { return };
    let mut c = Cluster::start(&bin);
    let dir = tempfile::tempdir().unwrap();
    let csv = payments_csv(dir.path());
    let o = entente().args(["stream", "submit"]).args(cluster_args(&c)).arg("--input").arg(&csv).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut raw = Raw::connect(c.nodes[0].as_ref().unwrap().port);
    let info = raw.request("$JS.API.STREAM.INFO.ENTENTE_PAYMENTS", "");
    assert_eq!(info["config"]["num_replicas"], 3, "{info}");
    assert_eq!(info["state"]["messages"], 1000, "{info}");
    drop(raw);
    // stop one node (not the one the test talks to), then screen everything through the other two
    c.nodes[2].take();
    let mut w = entente()
        .args(["stream", "worker"])
        .args(cluster_args(&c))
        .args(["--id", "wc", "--lists", &format!("{FIXTURES}/un_small.xml")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    check_payments(&cluster_results(&c, 1000, &mut w));
    stop(w);
}

/// The number of results stored, asked of any running node.
fn stored_results(c: &Cluster) -> u64 {
    let port = c.nodes.iter().flatten().next().unwrap().port;
    Raw::connect(port).subject_count("ENTENTE_RESULTS", "entente.results")
}

#[test]
fn a_cluster_node_stopped_mid_stream_loses_nothing() {
    let Some(bin) = nats_server_bin() else { return };
    let mut c = Cluster::start(&bin);
    let dir = tempfile::tempdir().unwrap();
    let csv = payments_csv(dir.path());
    let o = entente().args(["stream", "submit"]).args(cluster_args(&c)).arg("--input").arg(&csv).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // the node leading the payments stream: stopping it forces a leader election while the worker is busy
    // (polled: right after the submit, a node may answer before the stream's state has settled)
    let t = Instant::now();
    let info = loop {
        let info = Raw::connect(c.nodes[0].as_ref().unwrap().port).request("$JS.API.STREAM.INFO.ENTENTE_PAYMENTS", "");
        let settled = info["state"]["messages"].as_u64() == Some(1000) && info["cluster"]["leader"].is_string();
        if settled || t.elapsed() > Duration::from_secs(20) {
            break info;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!((info["config"]["num_replicas"].as_u64(), info["state"]["messages"].as_u64()), (Some(3), Some(1000)));
    let leader = info["cluster"]["leader"].as_str().expect("the stream has a leader").to_string();
    let victim: usize = leader.trim_start_matches('n').parse().unwrap();
    // one message at a time, so that the stream is still being screened when the node stops
    let mut w = entente()
        .args(["stream", "worker"])
        .args(cluster_args(&c))
        .args(["--id", "wm", "--concurrency", "1", "--batch", "5", "--retry-delay", "50"])
        .args(["--lists", &format!("{FIXTURES}/un_small.xml")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t = Instant::now();
    let before = loop {
        let n = stored_results(&c);
        if n >= 50 {
            break n;
        }
        assert!(t.elapsed() < Duration::from_secs(60), "no results from the worker ({n} in 60 s)");
        std::thread::sleep(Duration::from_millis(10));
    };
    c.nodes[victim].take(); // SIGKILL of the stream leader
    assert!(before < 1000, "the node must stop mid-stream, not after the {before} results");
    let rs = cluster_results(&c, 1000, &mut w);
    check_payments(&rs);
    assert!(w.try_wait().unwrap().is_none(), "the worker kept running through the node stop");
    let after = stored_results(&c);
    assert!(after >= 1000, "results stored after de-duplication by the broker: {after}");
    let err = stop(w);
    assert!(err.contains("worker wm: stopped; screened"), "{err}");
}

#[test]
fn a_list_version_switch_mid_stream_leaves_every_result_labelled_with_the_version_it_used() {
    let Some(bin) = nats_server_bin() else { return };
    let s = Server::start(&bin);
    let dir = tempfile::tempdir().unwrap();
    let publish = |version: &str, file: &str| publish_lists(&s, version, file);
    // v1 lists Sergei Viktorovich Testov; v2 drops him and adds Kim Su Il
    publish("v1", "un_small.xml");
    let mut w = entente()
        .args(["stream", "worker"])
        .args(broker(&s))
        .args(["--id", "wl", "--lists-from-nats", "--concurrency", "1", "--batch", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let parties = |tag: &str, n: usize| {
        let p = dir.path().join(format!("{tag}.jsonl"));
        let names = ["Kim Su Il", "Sergei Viktorovich Testov", "Customer Trading Co"];
        let lines: Vec<String> =
            (0..n).map(|i| format!("{{\"name\":\"{}\",\"reference\":\"{tag}-{i}\"}}", names[i % 3])).collect();
        std::fs::write(&p, lines.join("\n")).unwrap();
        p
    };
    submit(&s, &parties("a", 300));
    let mut raw = Raw::connect(s.port);
    let t = Instant::now();
    while raw.consumer_info()["delivered"]["consumer_seq"].as_u64().unwrap_or(0) == 0 {
        assert!(t.elapsed() < Duration::from_secs(30), "the worker never started");
        std::thread::sleep(Duration::from_millis(5));
    }
    publish("v2", "lists_v2/un_small.xml");
    submit(&s, &parties("b", 900));
    let rs = results(&s, 1200, &mut [&mut w]);
    assert_eq!(rs.len(), 1200);
    let mut seen = std::collections::BTreeMap::new();
    for r in &rs {
        let v = r["lists_version"].as_str().unwrap();
        *seen.entry(v.to_string()).or_insert(0) += 1;
        let name = r["parties"][0]["query"]["name"].as_str().unwrap();
        let hit = !r["parties"][0]["hits"].as_array().unwrap().is_empty();
        match name {
            "Kim Su Il" => assert_eq!(hit, v == "v2", "{r}"),
            "Sergei Viktorovich Testov" => assert_eq!(hit, v == "v1", "{r}"),
            _ => assert!(!hit, "{r}"),
        }
    }
    assert!(seen.get("v1").copied().unwrap_or(0) > 0 && seen.get("v2").copied().unwrap_or(0) > 0, "{seen:?}");
    assert_eq!(seen.len(), 2, "{seen:?}");
    let err = stop(w);
    assert!(err.contains("switched to version v2"), "{err}");
}

#[test]
fn rescreen_since_a_version_screens_stored_parties_against_only_the_added_and_changed_entries() {
    let Some(bin) = nats_server_bin() else { return };
    let s = Server::start(&bin);
    let dir = tempfile::tempdir().unwrap();
    let publish = |version: &str, file: &str| publish_lists(&s, version, file);
    let rescreen = |extra: &[&str]| -> Output {
        entente().args(["stream", "rescreen"]).args(broker(&s)).args(extra).output().unwrap()
    };
    // v1 → v2 (the fixture's next version): Kim Su Il added (un:9000004), Ri Pyong Chol's entry changed (an alias,
    // un:9000001), Sergei Viktorovich Testov removed (un:9000002), Chon Ma San unchanged (un:9000003).
    publish("v1", "un_small.xml");
    let mut w = entente()
        .args(["stream", "worker"])
        .args(broker(&s))
        .args(["--id", "wr", "--lists-from-nats"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let names = ["Kim Su Il", "Ri Pyong Chol", "Chon Ma San", "Sergei Viktorovich Testov", "Customer Trading Co"];
    let parties = dir.path().join("parties.jsonl");
    let lines: Vec<String> = names.iter().map(|n| format!("{{\"name\":\"{n}\"}}")).collect();
    std::fs::write(&parties, lines.join("\n")).unwrap();
    submit(&s, &parties);
    let first = results(&s, 5, &mut [&mut w]);
    let hit_ids = |r: &serde_json::Value| -> Vec<String> {
        r["parties"][0]["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["entity_id"].as_str().unwrap().to_string())
            .collect()
    };
    let name_of = |r: &serde_json::Value| r["parties"][0]["query"]["name"].as_str().unwrap().to_string();
    let original: std::collections::BTreeMap<String, String> =
        first.iter().map(|r| (name_of(r), r["msg_id"].as_str().unwrap().to_string())).collect();
    for r in &first {
        assert_eq!(r["lists_version"], "v1", "{r}");
        assert!(r.get("rescreen").is_none(), "a first screening is no rescreen: {r}");
        let expected: &[&str] = match name_of(r).as_str() {
            "Ri Pyong Chol" => &["un:9000001"],
            "Chon Ma San" => &["un:9000003"],
            "Sergei Viktorovich Testov" => &["un:9000002"],
            _ => &[],
        };
        assert_eq!(hit_ids(r), expected, "{r}");
    }
    // nothing published since v1 yet: nothing to rescreen; an unknown version is an error naming it
    let o = rescreen(&["--since", "v1"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((summary["version"].as_str(), summary["parties"].as_u64()), (Some("v1"), Some(0)), "{summary}");
    let o = rescreen(&["--since", "v0"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--since \"v0\": no such published list version"));

    publish("v2", "lists_v2/un_small.xml");
    let o = rescreen(&["--since", "v1"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let counts = ["added", "changed", "removed", "parties", "published", "duplicates"].map(|k| summary[k].as_u64());
    assert_eq!(counts, [1, 1, 1, 5, 5, 0].map(Some), "{summary}");
    let all = results(&s, 10, &mut [&mut w]);
    let again: Vec<&serde_json::Value> = all.iter().filter(|r| r["rescreen"] == true).collect();
    assert_eq!(again.len(), 5, "one rescreen result per stored party");
    for r in &again {
        let name = name_of(r);
        let party = &original[&name];
        assert_eq!(r["status"], "ok", "{r}");
        assert_eq!((r["since"].as_str(), r["lists_version"].as_str()), (Some("v1"), Some("v2")), "{r}");
        assert_eq!(r["party_id"].as_str(), Some(party.as_str()), "{r}");
        assert_eq!(r["msg_id"].as_str().unwrap(), format!("rescreen:v1:v2:{party}"), "{r}");
        assert_eq!(r["changed_entries"], serde_json::json!(["un:9000001", "un:9000004"]), "{r}");
        // hits only from added or changed entries: Chon Ma San (unchanged) and Testov (removed) have none now
        let expected: &[&str] = match name.as_str() {
            "Kim Su Il" => &["un:9000004"],
            "Ri Pyong Chol" => &["un:9000001"],
            _ => &[],
        };
        assert_eq!(hit_ids(r), expected, "{r}");
        assert_eq!(r["alert"], !expected.is_empty(), "{r}");
    }
    // the same look-back again, or with the counterparties given as the file they came from: the same ids, so
    // the broker drops every message and no result is repeated
    let o = rescreen(&["--since", "v1"]);
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((summary["parties"].as_u64(), summary["duplicates"].as_u64()), (Some(5), Some(5)), "{summary}");
    let o = rescreen(&["--since", "v1", "--counterparties", parties.to_str().unwrap()]);
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((summary["parties"].as_u64(), summary["duplicates"].as_u64()), (Some(5), Some(5)), "{summary}");
    let mut raw = Raw::connect(s.port);
    let t = Instant::now();
    while raw.consumer_info()["num_ack_pending"].as_u64() != Some(0) || raw.consumer_info()["num_pending"] != 0 {
        assert!(t.elapsed() < Duration::from_secs(30), "the worker did not finish");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(raw.subject_count("ENTENTE_RESULTS", "entente.results"), 10);
    let stored = raw.request("$JS.API.STREAM.INFO.KV_ENTENTE_PARTIES", "");
    assert_eq!(stored["state"]["messages"], 5, "every screened party stored once, rescreens not: {stored}");
    let err = stop(w);
    assert!(err.contains("rescreen v1..v2: 2 added or changed entries indexed"), "{err}");
}
