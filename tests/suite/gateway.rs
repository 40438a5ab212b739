//! Whole-gateway behaviour that belongs to no dialect: unclaimed paths, admin listener,
//! metrics, body limit.

use crate::common;
use crate::matrix;

use common::{send, Gw};

const ANA: (&str, &str) = (
    "vSt4xaDt4dQRTjJYe",
    "e2r9S9vbhzil4mJnQfKuuMq5UrbYi2IaDHUiuhIG6GC",
);

async fn a_path_no_dialect_serves_is_404_with_a_short_json_body() {
    let gw = Gw::default().await;
    let a = send(gw.get("/nowhere?x=1")).await;
    assert_eq!(a.status, 404);
    assert_eq!(a.header("content-type"), Some("application/json"));
    assert_eq!(a.body, r#"{"error":"not found","path":"/nowhere"}"#);
    // Exact paths only: no trailing slash, case-sensitive.
    for path in [
        "/api/v1/chat.getThreadMessages/",
        "/api/v1/chat.getthreadmessages",
    ] {
        let a = send(
            gw.get(path)
                .header("X-User-Id", ANA.0)
                .header("X-Auth-Token", ANA.1),
        )
        .await;
        assert_eq!(a.status, 404, "{path}");
        assert!(a.json().is_object());
    }
}
matrix!(a_path_no_dialect_serves_is_404_with_a_short_json_body);

async fn admin_listener_answers_liveness_readiness_and_metrics() {
    let gw = Gw::default().await;
    let live = send(gw.http.get(format!("{}/livez", gw.admin))).await;
    assert_eq!(live.status, 200);
    // The first backend probe runs before the listeners serve.
    let ready = send(gw.http.get(format!("{}/readyz", gw.admin))).await;
    assert_eq!(ready.status, 200);

    let a = send(
        gw.get("/api/v1/chat.getThreadMessages?tmid=hwid5RgAfuvaSBZbM")
            .header("X-User-Id", ANA.0)
            .header("X-Auth-Token", ANA.1),
    )
    .await;
    assert_eq!(a.status, 200);
    send(gw.get("/api/v1/chat.getThreadMessages")).await;
    let m = send(gw.http.get(format!("{}/metrics", gw.admin))).await;
    assert_eq!(m.status, 200);
    assert!(m.header("content-type").unwrap().starts_with("text/plain"));
    // The backend's label: `embedded`, or `http:<host>:<port>` of the backend service.
    let label = gw.running.state.backend.label().to_owned();
    for needle in [
        r#"threadgate_requests_total{dialect="rocketchat",route="chat.getThreadMessages",status="200"} 1"#.to_owned(),
        r#"threadgate_requests_total{dialect="rocketchat",route="chat.getThreadMessages",status="401"} 1"#.to_owned(),
        r#"threadgate_request_duration_seconds_count{dialect="rocketchat",route="chat.getThreadMessages"} 2"#.to_owned(),
        format!(r#"threadgate_backend_duration_seconds_count{{backend="{label}",operation="query",outcome="ok"}} 1"#),
        format!(r#"threadgate_backend_duration_seconds_count{{backend="{label}",operation="authenticate",outcome="ok"}} 1"#),
        "threadgate_in_flight_requests 0".to_owned(),
    ] {
        assert!(m.body.contains(&needle), "missing {needle} in\n{}", m.body);
    }
    let nf = send(gw.http.get(format!("{}/nope", gw.admin))).await;
    assert_eq!(nf.status, 404);
}
matrix!(admin_listener_answers_liveness_readiness_and_metrics);

async fn an_oversized_body_is_refused_in_the_callers_dialect() {
    let gw = Gw::start(|c| c.server.max_body_bytes = 1024).await;
    let a = send(
        gw.get("/api/v1/chat.getThreadMessages?tmid=hwid5RgAfuvaSBZbM")
            .header("X-User-Id", ANA.0)
            .header("X-Auth-Token", ANA.1)
            .body(vec![b'x'; 4096]),
    )
    .await;
    assert_eq!(a.status, 413);
    assert_eq!(a.header("content-type"), Some("application/json"));
    assert_eq!(a.json()["success"], false);
    // A small body on a GET is ignored.
    let a = send(
        gw.get("/api/v1/chat.getThreadMessages?tmid=hwid5RgAfuvaSBZbM")
            .header("X-User-Id", ANA.0)
            .header("X-Auth-Token", ANA.1)
            .body("ignored"),
    )
    .await;
    assert_eq!(a.status, 200);
}
matrix!(an_oversized_body_is_refused_in_the_callers_dialect);

async fn many_concurrent_requests_all_answer() {
    let gw = Gw::start(|c| c.server.max_concurrent_requests = 4).await;
    let mut tasks = Vec::new();
    for i in 0..32 {
        let req = gw
            .get(&format!(
                "/api/v1/chat.getThreadMessages?tmid=LscqGbTLCzXQhjg4m&count=5&offset={i}"
            ))
            .header("X-User-Id", ANA.0)
            .header("X-Auth-Token", ANA.1);
        tasks.push(tokio::spawn(async move { send(req).await }));
    }
    for (i, t) in tasks.into_iter().enumerate() {
        let a = t.await.unwrap();
        assert_eq!(a.status, 200);
        assert_eq!(a.json()["offset"], i as u64);
    }
}
matrix!(many_concurrent_requests_all_answer);
