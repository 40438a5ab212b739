//! Arbitrary query strings through the decoder and the encoder: no panic, well-formed bodies.

use super::*;
use crate::canonical::Principal;
use crate::config::SelfCommunityConfig;
use crate::dialect::selfcommunity::GetPm;
use crate::dialect::Endpoint;
use proptest::prelude::*;
use std::sync::OnceLock;

fn endpoint() -> &'static GetPm {
    static EP: OnceLock<GetPm> = OnceLock::new();
    EP.get_or_init(|| {
        let ids = crate::idmap::IdMap::in_memory().expect("in-memory id map");
        ids.int_of(crate::idmap::Kind::Room, "room-1")
            .expect("room");
        GetPm::new(&SelfCommunityConfig::default(), &[], Arc::new(ids))
    })
}

fn query_strategy() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("thread".to_owned()),
        Just("user".to_owned()),
        Just("group".to_owned()),
        Just("before_message".to_owned()),
        Just("from_message".to_owned()),
        Just("limit".to_owned()),
        Just("offset".to_owned()),
        "[a-z%+=&;]{0,6}",
    ];
    let value = prop_oneof![
        "-?[0-9_]{0,25}(\\.0*)? *",
        Just("undefined".to_owned()),
        "[ -~]{0,12}",
        "\\PC{0,6}",
        "(%[0-9A-Fa-f]{2}){0,4}",
    ];
    prop::collection::vec((key, value), 0..8).prop_map(|kv| {
        kv.into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    })
}

fn check(q: &str) -> Result<(), TestCaseError> {
    let ep = endpoint();
    let headers = HeaderMap::new();
    let m = Method::GET;
    let r = req(&m, "/api/v2/pm/", Some(q), &headers, None);
    let who = Principal {
        user_id: "u".into(),
        username: "u".into(),
        admin_of: vec![],
    };
    match ep.decode(&r, who) {
        Ok(query) => {
            let page = crate::canonical::Page {
                total: Some(45),
                ..Default::default()
            };
            let reply = ep.encode(&r, &query, &page);
            prop_assert_eq!(reply.status().as_u16(), 200);
            let v: serde_json::Value = serde_json::from_slice(reply.body()).expect("JSON");
            prop_assert_eq!(v["count"].as_u64(), Some(45));
            for key in ["next", "previous"] {
                if let Some(link) = v[key].as_str() {
                    prop_assert!(link.starts_with("http://localhost/api/v2/pm/?"), "{}", link);
                    prop_assert!(link.contains("limit="), "{}", link);
                    prop_assert!(link.bytes().all(|b| b.is_ascii_graphic()), "{}", link);
                }
            }
        }
        Err(e) => {
            let reply = ep.render_error(&r, &e);
            let status = reply.status().as_u16();
            prop_assert!(matches!(status, 400 | 404), "{}", status);
            let v: serde_json::Value = serde_json::from_slice(reply.body()).expect("JSON");
            prop_assert!(v.get("errors").is_some() || v.get("detail").is_some());
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn arbitrary_query_strings_never_panic(q in "\\PC{0,80}") {
        check(&q)?;
    }

    #[test]
    fn query_like_strings_never_panic(q in "[a-z_=&%+;0-9A-F. -]{0,80}") {
        check(&q)?;
    }

    #[test]
    fn decoder_never_panics_and_errors_are_well_formed(q in query_strategy()) {
        check(&q)?;
    }

    #[test]
    fn structured_queries_through_decode_and_encode(q in query_strategy()) {
        let ep = endpoint();
        let headers = HeaderMap::new();
        let m = Method::GET;
        let r = req(&m, "/api/v2/pm/", Some(&q), &headers, None);
        let who = Principal { user_id: "u".into(), username: "u".into(), admin_of: vec![] };
        match ep.decode(&r, who) {
            Ok(query) => {
                let page = crate::canonical::Page { total: Some(45), ..Default::default() };
                let reply = ep.encode(&r, &query, &page);
                prop_assert_eq!(reply.status().as_u16(), 200);
                let v: serde_json::Value = serde_json::from_slice(reply.body()).expect("JSON");
                prop_assert_eq!(v["count"].as_u64(), Some(45));
                prop_assert!(v["next"].is_null() || v["next"].as_str().is_some());
            }
            Err(e) => {
                let reply = ep.render_error(&r, &e);
                let status = reply.status().as_u16();
                prop_assert!(matches!(status, 400 | 404 | 503), "{}", status);
                let v: serde_json::Value = serde_json::from_slice(reply.body()).expect("JSON");
                prop_assert!(v.get("errors").is_some() || v.get("detail").is_some());
            }
        }
    }
}
