//! Parameter decoding (spec §3) in the spec's check order.

use super::*;
use crate::canonical::Order;

/// The pairs `RequestView::pairs` gives for the query string `q`.
fn pairs(q: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(q.as_bytes())
        .into_owned()
        .collect()
}

fn admin(q: &str) -> Result<QuipParams, Error> {
    parse_params(Which::Admin, &pairs(q))
}

fn auto(q: &str) -> Result<QuipParams, Error> {
    parse_params(Which::Automation, &pairs(q))
}

fn reason(r: Result<QuipParams, Error>) -> String {
    match r {
        Err(Error::InvalidParameter { reason, .. }) => reason,
        Err(Error::MissingParameter { name }) => format!("Missing {name}"),
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn defaults() {
    let p = auto("").unwrap();
    assert_eq!(p.count, 25);
    assert_eq!(p.sorted_by, None);
    assert_eq!(p.requested_order(), Order::Descending);
    assert_eq!(p.selection_order(), Order::Descending);
    assert!(!p.edits && !p.include_deleted);
    assert_eq!(p.company_id, None);
    assert_eq!(parse_params(Which::Automation, &[]).unwrap(), p);
}

#[test]
fn company_id_is_required_on_admin_only() {
    assert_eq!(reason(admin("")), "Missing company_id");
    assert_eq!(reason(admin("company_id=")), "Missing company_id");
    // Checked before count.
    assert_eq!(reason(admin("count=x")), "Missing company_id");
    assert_eq!(
        admin("company_id=northwind").unwrap().company_id.as_deref(),
        Some("northwind")
    );
    assert_eq!(auto("company_id=northwind").unwrap().company_id, None);
    // Last value wins; percent-decoding.
    assert_eq!(
        admin("company_id=a&company_id=b%20c")
            .unwrap()
            .company_id
            .as_deref(),
        Some("b c")
    );
}

#[test]
fn count() {
    for (raw, want) in [
        ("1", 1),
        ("25", 25),
        ("100", 100),
        ("101", 100),
        ("007", 7),
        ("99999999999999999999999", 100),
    ] {
        assert_eq!(auto(&format!("count={raw}")).unwrap().count, want, "{raw}");
    }
    for raw in [
        "0",
        "-1",
        "-0",
        "-99999999999999999999",
        "1.5",
        "x",
        "+5",
        "%205",
        "1e2",
    ] {
        assert_eq!(
            reason(auto(&format!("count={raw}"))),
            "Invalid count",
            "{raw}"
        );
    }
    // Empty = absent; last wins.
    assert_eq!(auto("count=").unwrap().count, 25);
    assert_eq!(auto("count=x&count=3").unwrap().count, 3);
    assert_eq!(reason(auto("count=3&count=x")), "Invalid count");
}

#[test]
fn sort_direction() {
    for (q, want) in [
        ("sorted_by=ASC", Order::Ascending),
        ("sorted_by=asc", Order::Ascending),
        ("sorted_by=Desc", Order::Descending),
        ("sort_by=ASC", Order::Ascending),
        ("sorted_by=DESC&sort_by=ASC", Order::Descending),
        ("sort_by=DESC&sorted_by=ASC", Order::Ascending),
    ] {
        assert_eq!(auto(q).unwrap().requested_order(), want, "{q}");
    }
    for q in ["sorted_by=up", "sort_by=up", "sorted_by=ASC&sort_by=x"] {
        assert_eq!(reason(auto(q)), "Invalid sorted_by", "{q}");
    }
    // count is checked before sorted_by, sorted_by before the *_usec values.
    assert_eq!(reason(auto("sorted_by=x&count=0")), "Invalid count");
    assert_eq!(
        reason(auto("sorted_by=x&max_created_usec=y")),
        "Invalid sorted_by"
    );
}

#[test]
fn usec_values() {
    let p = auto("max_created_usec=1771459200000000").unwrap();
    assert_eq!(p.max_created_usec, Some(1_771_459_200_000_000));
    assert_eq!(p.created_bound(), Some(1_771_459_200_000_000));
    // Legacy alias, only when max_created_usec is absent.
    assert_eq!(
        auto("max_updated_usec=5").unwrap().max_created_usec,
        Some(5)
    );
    assert_eq!(
        auto("max_updated_usec=5&max_created_usec=7")
            .unwrap()
            .max_created_usec,
        Some(7)
    );
    for name in [
        "max_created_usec",
        "max_updated_usec",
        "updated_since_usec",
        "last_updated_since_usec",
    ] {
        for raw in ["-1", "x", "1.0", "9223372036854775808"] {
            assert_eq!(
                reason(auto(&format!("{name}={raw}"))),
                format!("Invalid {name}"),
                "{name}={raw}"
            );
        }
    }
    assert_eq!(
        auto("max_created_usec=9223372036854775807")
            .unwrap()
            .max_created_usec,
        Some(i64::MAX)
    );
}

#[test]
fn update_time_parameters_on_automation_only() {
    let p = auto("updated_since_usec=10&max_created_usec=99").unwrap();
    assert_eq!(p.updated_since_usec, Some(10));
    assert_eq!(p.created_bound(), None, "ignored with updated_since_usec");
    assert_eq!(p.requested_order(), Order::Ascending);
    assert_eq!(p.selection_order(), Order::Ascending);
    let p = auto("last_updated_since_usec=10&sorted_by=desc").unwrap();
    assert_eq!(p.last_updated_since_usec, Some(10));
    assert_eq!(p.requested_order(), Order::Descending);
    assert_eq!(p.selection_order(), Order::Descending);
    assert_eq!(
        auto("last_updated_since_usec=10")
            .unwrap()
            .requested_order(),
        Order::Ascending
    );
    // Ignored (not even checked) on the admin endpoint.
    let p = admin("company_id=c&updated_since_usec=x&last_updated_since_usec=y").unwrap();
    assert_eq!(
        (p.updated_since_usec, p.last_updated_since_usec),
        (None, None)
    );
}

#[test]
fn message_type_and_include_deleted() {
    assert!(auto("message_type=edit").unwrap().edits);
    for q in [
        "message_type=message",
        "message_type=other",
        "message_type=EDITS",
    ] {
        assert!(!auto(q).unwrap().edits, "{q}");
    }
    for (raw, want) in [
        ("true", true),
        ("TRUE", true),
        ("1", true),
        ("false", false),
        ("0", false),
        ("yes", false),
    ] {
        assert_eq!(
            admin(&format!("company_id=c&include_deleted={raw}"))
                .unwrap()
                .include_deleted,
            want,
            "{raw}"
        );
    }
    assert!(!auto("include_deleted=true").unwrap().include_deleted);
}

#[test]
fn unknown_parameters_and_odd_encodings_are_harmless() {
    assert!(auto("foo=bar&&=&%zz=%ff&count").is_ok());
    assert_eq!(auto("count=%31%30").unwrap().count, 10);
}
