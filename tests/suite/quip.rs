//! Quip `GET /1/admin/messages/:thread_id` and `GET /1/messages/:thread_id` over real HTTP
//! against the demo data (spec: quip.md).

use crate::common;
use crate::matrix;

use common::{golden, send, Answer, Gw};

/// Company admin of `northwind`, member of neither document.
const MARCUS: &str = "tg_bearer_marcus.wei_j5lb0aw0hrwvuk9q";
/// Member of both documents, admin of nothing.
const PRIYA: &str = "tg_bearer_priya.raman_aa4qlgr6ch27ga94";
/// Member of the busy room, of neither document.
const ANA: &str = "tg_bearer_ana.lima_l3jtt175u58vgxn0";

/// Q3 Launch Plan (`northwind`): 9 visible comments, 1 deleted, 4 edit records.
const PLAN: &str = "vCPRIcENZyp";
/// Reno DC Pilot (`acme`).
const RENO: &str = "0tJCEAP50Oj";
/// The busy direct room of ana.lima and kenji.sato.
const BUSY: &str = "vSt4xaDt4dQRTjJYewnWPgRuQDB3TzxiZq";
/// Two messages of the busy room share this `created_usec`.
const TIE_USEC: i64 = 1_768_565_455_356_828;
const DELETED: &str = "32KEDdHUD51";

fn admin(gw: &Gw, token: &str, thread: &str, query: &str) -> reqwest::RequestBuilder {
    gw.get(&format!("/1/admin/messages/{thread}?{query}"))
        .header("Authorization", format!("Bearer {token}"))
}

fn automation(gw: &Gw, token: &str, thread: &str, query: &str) -> reqwest::RequestBuilder {
    gw.get(&format!("/1/messages/{thread}?{query}"))
        .header("Authorization", format!("Bearer {token}"))
}

fn assert_quip_headers(a: &Answer) {
    assert_eq!(
        a.header("content-type"),
        Some("application/json"),
        "{}",
        a.body
    );
    assert_eq!(a.header("www-authenticate"), None);
    assert_eq!(a.header("retry-after"), None);
    assert!(a.header("x-request-id").is_some());
}

fn ids(a: &Answer) -> Vec<String> {
    a.json()
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {}", a.body))
        .iter()
        .map(|m| m["id"].as_str().expect("id").to_owned())
        .collect()
}

fn ok(a: &Answer) {
    assert_eq!(a.status, 200, "{}", a.body);
    assert_quip_headers(a);
    assert!(!a.body.contains("null"), "null in {}", a.body);
    assert!(!a.body.contains("[]"), "empty array in {}", a.body);
}

// ---- exact bodies -------------------------------------------------------------------------

async fn golden_admin_comments_without_deleted() {
    let gw = Gw::default().await;
    let a = send(admin(&gw, MARCUS, PLAN, "company_id=northwind")).await;
    ok(&a);
    golden("quip/admin_comments.json", &a.body);
    assert_eq!(ids(&a).len(), 9);
    assert!(!a.body.contains(DELETED));
    assert!(!a.body.contains("\"visible\":false"));
    assert!(!a.body.contains("diff_groups"));
}
matrix!(golden_admin_comments_without_deleted);

async fn golden_admin_comments_with_deleted() {
    let gw = Gw::default().await;
    let a = send(admin(
        &gw,
        MARCUS,
        PLAN,
        "company_id=northwind&include_deleted=true",
    ))
    .await;
    ok(&a);
    golden("quip/admin_comments_include_deleted.json", &a.body);
    let j = a.json();
    let all = j.as_array().unwrap();
    assert_eq!(all.len(), 10);
    let deleted: Vec<&serde_json::Value> = all.iter().filter(|m| m["visible"] == false).collect();
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0]["id"], DELETED);
    // Any case, `1` too; other values are false.
    for q in ["include_deleted=TRUE", "include_deleted=1"] {
        let b = send(admin(
            &gw,
            MARCUS,
            PLAN,
            &format!("company_id=northwind&{q}"),
        ))
        .await;
        assert_eq!(b.body, a.body, "{q}");
    }
    let b = send(admin(
        &gw,
        MARCUS,
        PLAN,
        "company_id=northwind&include_deleted=yes",
    ))
    .await;
    assert!(!b.body.contains(DELETED));
    // The automation endpoint ignores it.
    let b = send(automation(&gw, PRIYA, PLAN, "include_deleted=true")).await;
    ok(&b);
    assert!(!b.body.contains(DELETED));
}
matrix!(golden_admin_comments_with_deleted);

async fn golden_edit_records_both_ways() {
    let gw = Gw::default().await;
    let asc = send(admin(
        &gw,
        MARCUS,
        PLAN,
        "company_id=northwind&message_type=edit&sorted_by=ASC",
    ))
    .await;
    ok(&asc);
    golden("quip/admin_edits_asc.json", &asc.body);
    assert_eq!(
        ids(&asc),
        ["prKuDmDLsS9", "ItImDswgJHZ", "LNqMDfidfjT", "2ielDNBddFf"]
    );
    let j = asc.json();
    for m in j.as_array().unwrap() {
        assert!(m.get("text").is_none(), "edit records carry no text");
        assert!(m["diff_groups"].as_array().is_some_and(|g| !g.is_empty()));
    }
    // Two diff groups on ItImDswgJHZ; `list` only where set.
    assert_eq!(j[1]["diff_groups"].as_array().unwrap().len(), 2);
    assert!(j[0]["diff_groups"][0]["diffs"][0].get("list").is_none());
    assert_eq!(
        j[2]["diff_groups"][0]["diffs"][1]["list"],
        "temp:C:Gqlzcwd3Fcq5"
    );
    let desc = send(admin(
        &gw,
        MARCUS,
        PLAN,
        "company_id=northwind&message_type=edit",
    ))
    .await;
    let mut reversed = ids(&desc);
    reversed.reverse();
    assert_eq!(reversed, ids(&asc));
    // The automation endpoint reads them too.
    let a = send(automation(
        &gw,
        PRIYA,
        PLAN,
        "message_type=edit&sort_by=asc",
    ))
    .await;
    assert_eq!(a.body, asc.body);
}
matrix!(golden_edit_records_both_ways);

async fn golden_ordering_both_ways() {
    let gw = Gw::default().await;
    let desc = send(automation(&gw, PRIYA, PLAN, "count=5")).await;
    ok(&desc);
    golden("quip/automation_newest5_desc.json", &desc.body);
    let asc = send(automation(&gw, PRIYA, PLAN, "count=5&sorted_by=ASC")).await;
    ok(&asc);
    golden("quip/automation_newest5_asc.json", &asc.body);
    let mut reversed = ids(&desc);
    reversed.reverse();
    assert_eq!(ids(&asc), reversed, "the same five newest, oldest first");
    assert_eq!(ids(&desc)[0], "yKLQD2FuePg");
    // `sorted_by` wins over `sort_by`.
    let b = send(automation(
        &gw,
        PRIYA,
        PLAN,
        "count=5&sorted_by=asc&sort_by=DESC",
    ))
    .await;
    assert_eq!(b.body, asc.body);
}
matrix!(golden_ordering_both_ways);

async fn golden_inclusive_cursor_on_a_shared_timestamp() {
    let gw = Gw::default().await;
    let q = format!("max_created_usec={TIE_USEC}&count=2");
    let desc = send(automation(&gw, ANA, BUSY, &q)).await;
    ok(&desc);
    golden("quip/tie_inclusive_desc.json", &desc.body);
    // Both messages at the bound, ties broken by id (descending here).
    assert_eq!(ids(&desc), ["yhMA2GhQQx6p4orn9", "exktTi2f6g4qcTv8K"]);
    let asc = send(automation(&gw, ANA, BUSY, &format!("{q}&sorted_by=ASC"))).await;
    assert_eq!(ids(&asc), ["exktTi2f6g4qcTv8K", "yhMA2GhQQx6p4orn9"]);
    // One below the bound: neither.
    let below = send(automation(
        &gw,
        ANA,
        BUSY,
        &format!("max_created_usec={}&count=2", TIE_USEC - 1),
    ))
    .await;
    let below_ids = ids(&below);
    assert!(!below_ids.contains(&"yhMA2GhQQx6p4orn9".to_owned()));
    assert!(!below_ids.contains(&"exktTi2f6g4qcTv8K".to_owned()));
    // The legacy alias, used when max_created_usec is absent.
    let alias = send(automation(
        &gw,
        ANA,
        BUSY,
        &format!("max_updated_usec={TIE_USEC}&count=2"),
    ))
    .await;
    assert_eq!(alias.body, desc.body);
    let both = send(automation(
        &gw,
        ANA,
        BUSY,
        &format!("max_created_usec={TIE_USEC}&max_updated_usec=1&count=2"),
    ))
    .await;
    assert_eq!(both.body, desc.body);
}
matrix!(golden_inclusive_cursor_on_a_shared_timestamp);

async fn admin_reads_up_to_a_bound_and_counts() {
    let gw = Gw::default().await;
    // Comments up to 2026-02-19T00:00:00Z.
    let a = send(admin(
        &gw,
        MARCUS,
        PLAN,
        "company_id=northwind&max_created_usec=1771459200000000",
    ))
    .await;
    ok(&a);
    let j = a.json();
    let all = j.as_array().unwrap();
    assert_eq!(all.len(), 5);
    assert!(all
        .iter()
        .all(|m| m["created_usec"].as_i64().unwrap() <= 1_771_459_200_000_000));
    // count is clamped to 100; the default is 25.
    let big = send(automation(&gw, ANA, BUSY, "count=1000")).await;
    assert_eq!(ids(&big).len(), 100);
    let default = send(automation(&gw, ANA, BUSY, "")).await;
    assert_eq!(ids(&default).len(), 25);
    assert_eq!(ids(&default)[..], ids(&big)[..25]);
    // Nothing matching: 200 [].
    let none = send(automation(&gw, ANA, BUSY, "max_created_usec=0")).await;
    assert_eq!((none.status, none.body.as_str()), (200, "[]"));
}
matrix!(admin_reads_up_to_a_bound_and_counts);

async fn update_time_parameters_on_the_automation_endpoint() {
    let gw = Gw::default().await;
    // The count oldest updated at or after the bound, ascending.
    let since = 1_771_459_200_000_000i64;
    let a = send(automation(
        &gw,
        PRIYA,
        PLAN,
        &format!("updated_since_usec={since}&count=2"),
    ))
    .await;
    ok(&a);
    assert_eq!(ids(&a), ["A2IGDKgbK5m", "c9ADDmVc9AK"]);
    let j = a.json();
    for m in j.as_array().unwrap() {
        assert!(m["updated_usec"].as_i64().unwrap() >= since);
    }
    // max_created_usec is ignored with it.
    let b = send(automation(
        &gw,
        PRIYA,
        PLAN,
        &format!("updated_since_usec={since}&count=2&max_created_usec=1"),
    ))
    .await;
    assert_eq!(b.body, a.body);
    // Explicit DESC returns the same selection newest first.
    let c = send(automation(
        &gw,
        PRIYA,
        PLAN,
        &format!("updated_since_usec={since}&count=2&sorted_by=DESC"),
    ))
    .await;
    assert_eq!(ids(&c), ["c9ADDmVc9AK", "A2IGDKgbK5m"]);
    // last_updated_since_usec: updated strictly before, ascending by default.
    let d = send(automation(
        &gw,
        PRIYA,
        PLAN,
        &format!("last_updated_since_usec={since}"),
    ))
    .await;
    ok(&d);
    let j = d.json();
    let all = j.as_array().unwrap();
    assert_eq!(all.len(), 5);
    assert!(all
        .iter()
        .all(|m| m["updated_usec"].as_i64().unwrap() < since));
    assert!(all
        .windows(2)
        .all(|w| w[0]["created_usec"].as_i64() <= w[1]["created_usec"].as_i64()));
    // Ignored on the admin endpoint.
    let e = send(admin(
        &gw,
        MARCUS,
        PLAN,
        "company_id=northwind&updated_since_usec=x",
    ))
    .await;
    assert_eq!(e.status, 200);
}
matrix!(update_time_parameters_on_the_automation_endpoint);

async fn head_is_get_without_a_body() {
    let gw = Gw::default().await;
    let a = send(
        gw.http
            .head(gw.url(&format!("/1/messages/{PLAN}")))
            .header("Authorization", format!("Bearer {PRIYA}")),
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("content-type"), Some("application/json"));
    assert_eq!(a.body, "");
}
matrix!(head_is_get_without_a_body);

// ---- errors (spec §6), one golden file per row --------------------------------------------

struct Case {
    name: &'static str,
    method: reqwest::Method,
    path: String,
    auth: Option<String>,
    status: u16,
}

fn case(name: &'static str, path: &str, auth: Option<&str>, status: u16) -> Case {
    Case {
        name,
        method: reqwest::Method::GET,
        path: path.to_owned(),
        auth: auth.map(|t| format!("Bearer {t}")),
        status,
    }
}

async fn golden_error_rows() {
    let gw = Gw::default().await;
    let long = "x".repeat(65);
    let mut cases = vec![
        case("not_found_unknown_path", "/1/threads/abc", Some(PRIYA), 404),
        case("not_found_bad_segment", "/1/messages/a.b", None, 404),
        case(
            "not_found_trailing_slash",
            &format!("/1/messages/{PLAN}/"),
            None,
            404,
        ),
        case(
            "not_found_extra_segment",
            &format!("/1/admin/messages/{PLAN}/x"),
            None,
            404,
        ),
        case(
            "not_found_too_long",
            &format!("/1/messages/{long}"),
            None,
            404,
        ),
        case(
            "unauthorized_missing",
            &format!("/1/messages/{PLAN}"),
            None,
            401,
        ),
        case(
            "unauthorized_invalid",
            &format!("/1/admin/messages/{PLAN}?company_id=northwind"),
            Some("nope"),
            401,
        ),
        case(
            "missing_company_id",
            &format!("/1/admin/messages/{PLAN}?count=5"),
            Some(MARCUS),
            400,
        ),
        case(
            "invalid_count",
            &format!("/1/messages/{PLAN}?count=0"),
            Some(PRIYA),
            400,
        ),
        case(
            "invalid_sorted_by",
            &format!("/1/messages/{PLAN}?sort_by=newest"),
            Some(PRIYA),
            400,
        ),
        case(
            "invalid_max_created_usec",
            &format!("/1/messages/{PLAN}?max_created_usec=-1"),
            Some(PRIYA),
            400,
        ),
        case(
            "invalid_max_updated_usec",
            &format!("/1/admin/messages/{PLAN}?company_id=northwind&max_updated_usec=soon"),
            Some(MARCUS),
            400,
        ),
        case(
            "invalid_updated_since_usec",
            &format!("/1/messages/{PLAN}?updated_since_usec=1.5"),
            Some(PRIYA),
            400,
        ),
        case(
            "invalid_last_updated_since_usec",
            &format!("/1/messages/{PLAN}?last_updated_since_usec=99999999999999999999"),
            Some(PRIYA),
            400,
        ),
        case(
            "forbidden_not_admin",
            &format!("/1/admin/messages/{PLAN}?company_id=northwind"),
            Some(PRIYA),
            403,
        ),
        case(
            "forbidden_other_company",
            &format!("/1/admin/messages/{PLAN}?company_id=acme"),
            Some(MARCUS),
            403,
        ),
        case(
            "forbidden_thread_of_another_company",
            &format!("/1/admin/messages/{RENO}?company_id=northwind"),
            Some(MARCUS),
            403,
        ),
        case(
            "thread_not_found",
            "/1/admin/messages/NoSuchThread1?company_id=northwind",
            Some(MARCUS),
            404,
        ),
        case(
            "thread_not_found_automation",
            "/1/messages/NoSuchThread1",
            Some(PRIYA),
            404,
        ),
        case(
            "forbidden_not_a_member",
            &format!("/1/messages/{PLAN}"),
            Some(ANA),
            403,
        ),
    ];
    let mut post = case(
        "method_not_allowed",
        &format!("/1/messages/{PLAN}"),
        None,
        405,
    );
    post.method = reqwest::Method::POST;
    cases.push(post);
    let mut other_scheme = case(
        "unauthorized_other_scheme",
        &format!("/1/messages/{PLAN}"),
        None,
        401,
    );
    other_scheme.auth = Some(format!("Token {PRIYA}"));
    cases.push(other_scheme);
    for c in cases {
        let mut req = gw.http.request(c.method.clone(), gw.url(&c.path));
        if let Some(auth) = &c.auth {
            req = req.header("Authorization", auth);
        }
        let a = send(req).await;
        assert_eq!(a.status, c.status, "{}: {}", c.name, a.body);
        assert_quip_headers(&a);
        assert_eq!(
            a.header("allow"),
            (c.status == 405).then_some("GET, HEAD"),
            "{}",
            c.name
        );
        let j = a.json();
        assert_eq!(
            j["error_code"].as_u64(),
            Some(u64::from(c.status)),
            "{}",
            c.name
        );
        golden(&format!("quip/error_{}.json", c.name), &a.body);
    }
}
matrix!(golden_error_rows);

async fn check_order() {
    let gw = Gw::default().await;
    let bad_params = "count=0&sorted_by=x&max_created_usec=y";
    // Route before method and token.
    let a = send(gw.http.post(gw.url("/1/messages/a.b"))).await;
    assert_eq!(a.status, 404);
    // Method before token.
    let a = send(gw.http.delete(gw.url(&format!("/1/messages/{PLAN}")))).await;
    assert_eq!(a.status, 405);
    // Token before parameters.
    let a = send(
        gw.get(&format!("/1/admin/messages/{PLAN}?{bad_params}"))
            .header("Authorization", "Bearer nope"),
    )
    .await;
    assert_eq!(a.status, 401);
    // Parameters in order: company_id, count, sorted_by, *_usec.
    let a = send(admin(&gw, MARCUS, PLAN, bad_params)).await;
    assert!(a.body.contains("Missing company_id"), "{}", a.body);
    let a = send(automation(&gw, PRIYA, PLAN, bad_params)).await;
    assert!(a.body.contains("Invalid count"), "{}", a.body);
    let a = send(automation(
        &gw,
        PRIYA,
        PLAN,
        "sorted_by=x&max_created_usec=y",
    ))
    .await;
    assert!(a.body.contains("Invalid sorted_by"), "{}", a.body);
    // Parameters before the company admin check; company before the thread.
    let a = send(admin(&gw, PRIYA, PLAN, "company_id=northwind&count=x")).await;
    assert_eq!(a.status, 400);
    let a = send(admin(&gw, PRIYA, "NoSuchThread1", "company_id=northwind")).await;
    assert_eq!(a.status, 403);
    assert!(a.body.contains("Not authorized: northwind"), "{}", a.body);
    // The company id is echoed as received.
    let a = send(admin(&gw, MARCUS, PLAN, "company_id=Acme%20%22Inc%22")).await;
    assert_eq!(
        a.body,
        r#"{"error":"Forbidden","error_code":403,"error_description":"Not authorized: Acme \"Inc\""}"#
    );
}
matrix!(check_order);

async fn backend_timeout_is_504_in_the_dialect() {
    let gw = Gw::start(|c| {
        c.fault.backend_delay_ms = 2_000;
        c.server.request_timeout_ms = 150;
    })
    .await;
    let a = send(automation(&gw, PRIYA, PLAN, "")).await;
    assert_eq!(a.status, 504);
    assert_quip_headers(&a);
    golden("quip/error_upstream_timeout.json", &a.body);
}
matrix!(backend_timeout_is_504_in_the_dialect);

async fn an_unavailable_backend_is_502_in_the_dialect() {
    let gw = Gw::unavailable(|_| {}).await;
    let a = send(automation(&gw, PRIYA, PLAN, "")).await;
    assert_eq!(a.status, 502);
    assert_quip_headers(&a);
    golden("quip/error_upstream_unavailable.json", &a.body);
}
matrix!(an_unavailable_backend_is_502_in_the_dialect);
