//! Resource bounds of the API listener over real TCP: slow request heads are cut off,
//! connections past `max_connections` wait, and shutdown waits for requests in flight only.

use crate::common::{send, Gw};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ANA: (&str, &str) = (
    "vSt4xaDt4dQRTjJYe",
    "e2r9S9vbhzil4mJnQfKuuMq5UrbYi2IaDHUiuhIG6GC",
);
const THREAD: &str = "/api/v1/chat.getThreadMessages?tmid=hwid5RgAfuvaSBZbM";

/// Reads until the peer closes (or `limit` passes); what was read, and whether it closed.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (Vec<u8>, bool) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (got, true),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return (got, false),
        }
    }
}

fn request_head(host: &str) -> String {
    format!(
        "GET {THREAD} HTTP/1.1\r\nHost: {host}\r\nX-User-Id: {}\r\nX-Auth-Token: {}\r\n\r\n",
        ANA.0, ANA.1
    )
}

async fn in_flight(gw: &Gw) -> String {
    let m = send(gw.http.get(format!("{}/metrics", gw.admin))).await;
    m.body
        .lines()
        .find(|l| l.starts_with("threadgate_in_flight_requests "))
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_head_sent_too_slowly_is_cut_off() {
    let gw = Gw::start(|c| c.server.header_read_timeout_ms = 300).await;
    let mut slow = TcpStream::connect(gw.running.addr).await.unwrap();
    slow.write_all(b"GET /api/v1/chat.getThreadMessages HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let (_, closed) = read_until_closed(&mut slow, Duration::from_secs(10)).await;
    assert!(closed, "a half-sent request head keeps its connection");

    // A whole head in time is answered on the same kind of connection.
    let mut quick = TcpStream::connect(gw.running.addr).await.unwrap();
    quick.write_all(request_head("x").as_bytes()).await.unwrap();
    let mut buf = [0u8; 64];
    let n = quick.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "{:?}", &buf[..n]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_limit_wait_for_a_free_slot() {
    let gw = Gw::start(|c| c.server.max_connections = 2).await;
    // Two keep-alive connections hold both slots.
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut c = TcpStream::connect(gw.running.addr).await.unwrap();
        c.write_all(request_head("x").as_bytes()).await.unwrap();
        let mut buf = [0u8; 64];
        let n = c.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        held.push(c);
    }
    let third = tokio::spawn({
        let req = gw
            .get(THREAD)
            .header("X-User-Id", ANA.0)
            .header("X-Auth-Token", ANA.1);
        async move { req.send().await.map(|r| r.status().as_u16()) }
    });
    // Not answered while both slots are taken.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !third.is_finished(),
        "a third connection was served past the limit"
    );
    held.pop();
    let status = tokio::time::timeout(Duration::from_secs(10), third)
        .await
        .expect("served once a slot is free")
        .unwrap()
        .unwrap();
    assert_eq!(status, 200);
    let m = send(gw.http.get(format!("{}/metrics", gw.admin))).await;
    assert!(
        m.body.contains("threadgate_connections_waited_total 1"),
        "{}",
        m.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_waits_for_requests_in_flight_not_for_half_sent_ones() {
    let gw = Gw::start(|c| {
        c.fault.backend_delay_ms = 400;
        c.server.shutdown_grace_ms = 60_000;
    })
    .await;
    let mut half = TcpStream::connect(gw.running.addr).await.unwrap();
    half.write_all(b"GET /api/v1/chat.getThreadMessages HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut idle = TcpStream::connect(gw.running.addr).await.unwrap();
    let slow = tokio::spawn({
        let req = gw
            .get(THREAD)
            .header("X-User-Id", ANA.0)
            .header("X-Auth-Token", ANA.1);
        async move { req.send().await.map(|r| r.status().as_u16()) }
    });
    // Bounded wait until the slow request is in flight.
    for _ in 0..200 {
        if in_flight(&gw).await == "threadgate_in_flight_requests 1" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(in_flight(&gw).await, "threadgate_in_flight_requests 1");
    let Gw { running, .. } = gw;
    running.shutdown();
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(20), running.wait())
        .await
        .expect("shutdown ends when the request in flight is answered, not after the grace");
    assert_eq!(
        slow.await.unwrap().unwrap(),
        200,
        "the request in flight was answered"
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    let (_, closed) = read_until_closed(&mut idle, Duration::from_secs(5)).await;
    assert!(closed, "an idle connection outlived the shutdown");
}
