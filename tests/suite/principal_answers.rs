//! Who a credential belongs to, in the non-Rocket.Chat dialects, over real HTTP against the
//! demo data: SelfCommunity `GET /api/v2/user/me/` and Quip `GET /1/users/current`. Exact
//! bodies (goldens), the 401 rows as the messages endpoints render them, and the round trip:
//! the dialect's client face reads the gateway's answer back as the principal the gateway
//! authenticated.

use crate::common;
use crate::matrix;
use crate::matrix_sc;

use common::{demo_ids, golden, send, store_authenticate, Answer, Gw};
use threadgate::canonical::{AuthFailure, Credential, Error, Principal};
use threadgate::dialect::quip::client as qc;
use threadgate::dialect::selfcommunity::client as sc;
use threadgate::idmap::Kind;

const DANA: &str = "tg_bearer_dana.reyes_dvwvywzysfj9cd10";
const ANA: &str = "tg_bearer_ana.lima_l3jtt175u58vgxn0";
/// Company admin of `northwind` (the round trip loses `admin_of`).
const MARCUS: &str = "tg_bearer_marcus.wei_j5lb0aw0hrwvuk9q";
const PRIYA: &str = "tg_bearer_priya.raman_aa4qlgr6ch27ga94";

const SC_ME: &str = "/api/v2/user/me/";
const QUIP_ME: &str = "/1/users/current";

async fn principal_of(token: &str) -> Principal {
    store_authenticate(Credential::Bearer {
        token: token.to_owned(),
    })
    .await
    .expect("a demo token")
}

/// The headers of a response but those that differ between two answers (`x-request-id`,
/// `date`).
fn headers_but_request_id(a: &Answer) -> Vec<(String, String)> {
    a.headers
        .iter()
        .filter(|(k, _)| *k != "x-request-id" && *k != "date")
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
        .collect()
}

// ---- SelfCommunity ------------------------------------------------------------------------

async fn selfcommunity_user_me_golden_and_round_trip() {
    let gw = Gw::default().await;
    let a = send(gw.get(SC_ME).bearer_auth(DANA)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.header("content-type"), Some("application/json"));
    assert_eq!(a.header("vary"), Some("Accept"));
    assert_eq!(a.header("allow"), Some("GET, HEAD"));
    golden("selfcommunity/user_me_dana.json", &a.body);
    // The integer is the one pm/ answers give dana as a sender.
    let pm = send(gw.get("/api/v2/pm/?thread=503&limit=20").bearer_auth(DANA)).await;
    let sender_ids: Vec<i64> = pm.json()["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|m| m["sender"]["username"] == "dana.reyes")
        .map(|m| m["sender"]["id"].as_i64().expect("integer"))
        .collect();
    assert!(!sender_ids.is_empty(), "{}", pm.body);
    assert!(
        sender_ids.iter().all(|n| *n == a.json()["id"]),
        "{}",
        a.body
    );

    // Round trip, for every demo caller used here.
    for token in [DANA, ANA, PRIYA, MARCUS] {
        let a = send(gw.get(SC_ME).bearer_auth(token)).await;
        let back = sc::decode_me(
            &sc::me(),
            &sc::Answer::with_headers(a.status, &a.headers, a.body.as_bytes()),
        )
        .unwrap_or_else(|e| panic!("{e:?}: {}", a.body));
        let who = principal_of(token).await;
        // The client face reads the gateway's integer as `n.to_string()`; the gateway's id
        // map names the principal by that integer, and `ext_id` carries the id itself.
        let n: i64 = back.user_id.parse().expect("an integer id");
        assert_eq!(
            demo_ids().id_of(Kind::User, n).unwrap().as_deref(),
            Some(who.user_id.as_str())
        );
        assert_eq!(a.json()["ext_id"], who.user_id.as_str());
        assert_eq!(back.username, who.username);
        assert_eq!(back.admin_of, Vec::<String>::new());
    }
}
matrix!(selfcommunity_user_me_golden_and_round_trip);

async fn selfcommunity_user_me_401_rows_as_pm_renders_them() {
    let gw = Gw::default().await;
    type Req = fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder;
    let rows: [(&str, Req, AuthFailure); 4] = [
        ("none", |r| r, AuthFailure::Missing),
        (
            "token scheme",
            |r| r.header("Authorization", format!("Token {DANA}")),
            AuthFailure::Missing,
        ),
        (
            "empty bearer",
            |r| r.header("Authorization", "Bearer "),
            AuthFailure::Missing,
        ),
        ("bad token", |r| r.bearer_auth("nope"), AuthFailure::Invalid),
    ];
    for (label, with, failure) in rows {
        let a = send(with(gw.get(SC_ME))).await;
        assert_eq!(a.status, 401, "{label}: {}", a.body);
        golden("selfcommunity/error_401.json", &a.body);
        let pm = send(with(gw.get("/api/v2/pm/?thread=501"))).await;
        assert_eq!(
            (pm.status, headers_but_request_id(&pm), pm.body.as_str()),
            (a.status, headers_but_request_id(&a), a.body.as_str()),
            "{label}"
        );
        let back = sc::decode_me(
            &sc::me(),
            &sc::Answer::with_headers(a.status, &a.headers, a.body.as_bytes()),
        );
        assert_eq!(back, Err(Error::Unauthenticated(failure)), "{label}");
    }
    // 401 before 405, as on pm/.
    let a = send(gw.http.post(gw.url(SC_ME))).await;
    assert_eq!(a.status, 401, "{}", a.body);
    let a = send(gw.http.post(gw.url(SC_ME)).bearer_auth(DANA)).await;
    assert_eq!(
        (a.status, a.body.as_str()),
        (405, r#"{"detail":"Method \"POST\" not allowed."}"#)
    );
    // Django's APPEND_SLASH, before authentication.
    let a = send(gw.get("/api/v2/user/me?x=1")).await;
    assert_eq!(
        (a.status, a.header("location")),
        (301, Some("/api/v2/user/me/?x=1"))
    );
}
matrix_sc!(selfcommunity_user_me_401_rows_as_pm_renders_them);

async fn selfcommunity_user_me_counts_in_the_pm_throttle() {
    let gw = Gw::start(|c| {
        c.selfcommunity.rate_limit = Some(threadgate::config::SelfCommunityRateLimit {
            calls: 2,
            window_ms: 60_000,
        });
    })
    .await;
    let a = send(gw.get(SC_ME).bearer_auth(PRIYA)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = send(gw.get("/api/v2/pm/?thread=503").bearer_auth(PRIYA)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = send(gw.get(SC_ME).bearer_auth(PRIYA)).await;
    assert_eq!(a.status, 429, "{}", a.body);
    assert!(a.header("retry-after").is_some());
    // Another user has a window of their own.
    let a = send(gw.get(SC_ME).bearer_auth(DANA)).await;
    assert_eq!(a.status, 200, "{}", a.body);
}
matrix_sc!(selfcommunity_user_me_counts_in_the_pm_throttle);

// ---- Quip ---------------------------------------------------------------------------------

fn quip_answer(a: &Answer) -> qc::Answer<'_> {
    qc::Answer::with_headers(a.status, &a.headers, a.body.as_bytes(), 0)
}

async fn quip_users_current_golden_and_round_trip() {
    let gw = Gw::default().await;
    let a = send(gw.get(QUIP_ME).bearer_auth(PRIYA)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.header("content-type"), Some("application/json"));
    assert_eq!(a.header("www-authenticate"), None);
    golden("quip/users_current_priya.json", &a.body);
    for token in [PRIYA, MARCUS, ANA, DANA] {
        let a = send(gw.get(QUIP_ME).bearer_auth(token)).await;
        let back = qc::decode_current_user(&qc::current_user(), &quip_answer(&a))
            .unwrap_or_else(|e| panic!("{e:?}: {}", a.body));
        // Exact but for `admin_of`, which Quip's answer does not carry.
        let who = principal_of(token).await;
        assert_eq!(
            back,
            Principal {
                admin_of: Vec::new(),
                ..who
            }
        );
    }
}
matrix!(quip_users_current_golden_and_round_trip);

async fn quip_users_current_error_rows() {
    let gw = Gw::default().await;
    // The messages endpoints' goldens: the same rows, the same bytes.
    let rows: [(&str, Option<String>, &str); 3] = [
        ("missing", None, "quip/error_unauthorized_missing.json"),
        (
            "invalid",
            Some("Bearer nope".into()),
            "quip/error_unauthorized_invalid.json",
        ),
        (
            "other scheme",
            Some(format!("Token {PRIYA}")),
            "quip/error_unauthorized_other_scheme.json",
        ),
    ];
    for (label, auth, file) in rows {
        let mut req = gw.get(QUIP_ME);
        if let Some(auth) = &auth {
            req = req.header("Authorization", auth);
        }
        let a = send(req).await;
        assert_eq!(a.status, 401, "{label}: {}", a.body);
        assert_eq!(a.header("content-type"), Some("application/json"));
        assert_eq!(a.header("www-authenticate"), None);
        golden(file, &a.body);
        assert!(matches!(
            qc::decode_current_user(&qc::current_user(), &quip_answer(&a)),
            Err(Error::Unauthenticated(_))
        ));
    }
    // Method before token; the path is exact.
    let a = send(gw.http.post(gw.url(QUIP_ME))).await;
    assert_eq!((a.status, a.header("allow")), (405, Some("GET, HEAD")));
    golden("quip/error_method_not_allowed.json", &a.body);
    let a = send(gw.get("/1/users/current/").bearer_auth(PRIYA)).await;
    assert_eq!(a.status, 404, "{}", a.body);
    golden("quip/error_not_found_unknown_path.json", &a.body);
}
matrix!(quip_users_current_error_rows);

async fn quip_users_current_counts_in_the_user_window() {
    let gw = Gw::start(|c| {
        c.quip.rate_limit = Some(threadgate::config::QuipRateLimit {
            user_calls: 2,
            ..Default::default()
        });
    })
    .await;
    let a = send(gw.get(QUIP_ME).bearer_auth(PRIYA)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.header("x-ratelimit-limit"), Some("2"));
    assert_eq!(a.header("x-ratelimit-remaining"), Some("1"));
    let a = send(gw.get("/1/messages/vCPRIcENZyp").bearer_auth(PRIYA)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = send(gw.get(QUIP_ME).bearer_auth(PRIYA)).await;
    assert_eq!(a.status, 503, "{}", a.body);
    assert!(a.body.contains("Over Rate Limit"), "{}", a.body);
    assert_eq!(a.header("x-ratelimit-remaining"), Some("0"));
}
matrix!(quip_users_current_counts_in_the_user_window);
