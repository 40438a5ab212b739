//! The examples in `docs/canonical-api.md`, generated here so that the document stays exact:
//! every example must appear in it verbatim.

use super::super::*;
use crate::canonical::*;

const DOC: &str = include_str!("../../../docs/canonical-api.md");

fn pretty(body: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(body).expect("JSON");
    serde_json::to_string_pretty(&v).expect("JSON")
}

fn alice() -> Principal {
    Principal {
        user_id: "u1".into(),
        username: "alice".into(),
        admin_of: vec![],
    }
}

fn query_example() -> ThreadQuery {
    ThreadQuery {
        filter: Filter {
            created_before: Some(TimeBound::exclusive(1_554_729_352_017_000)),
            ..Filter::default()
        },
        order: Order::Descending,
        slice: Slice::Offset {
            offset: 0,
            limit: Some(2),
        },
        want_total: true,
        ..ThreadQuery::new(alice(), Target::Room("GENERAL".into()))
    }
}

fn page_example() -> Page {
    let author = User {
        id: "u2".into(),
        username: "bob".into(),
        name: Some("Bob".into()),
        avatar_url: None,
    };
    let mut extra = serde_json::Map::new();
    extra.insert(
        "rocketchat".into(),
        serde_json::json!({"_updatedAt": {"$date": 1}}),
    );
    let reply = Message {
        text: "see the thread".into(),
        thread: Some(ThreadSummary {
            reply_count: 2,
            last_reply_usec: Some(1_554_729_300_000_000),
            participants: vec!["u1".into()],
        }),
        extra,
        ..Message::new("m2", "GENERAL", author.clone(), 1_554_729_200_000_000)
    };
    let joined = Message {
        kind: MessageKind::System {
            system_type: "uj".into(),
        },
        ..Message::new("m1", "GENERAL", author, 1_554_729_100_000_000)
    };
    Page {
        messages: vec![reply, joined],
        total: Some(7),
        unreads: None,
        conversations: vec![],
    }
}

fn all_errors() -> Vec<Decoded> {
    let canonical = [
        Error::Unauthenticated(AuthFailure::Invalid),
        Error::Forbidden(Resource::Room("R1".into())),
        Error::NotFound(Resource::Room("X".into())),
        Error::missing("roomId"),
        Error::UnknownParameter { name: "foo".into() },
        Error::invalid("count", "x", "must be a number"),
        Error::MethodNotAllowed {
            method: "DELETE".into(),
        },
        Error::RouteNotFound,
        Error::PayloadTooLarge,
        Error::RateLimited {
            retry_after_ms: 1500,
        },
        Error::BackendUnavailable("store: database is locked".into()),
        Error::BackendTimeout,
        Error::BadBackendAnswer("upstream answered 500".into()),
        Error::Internal("panic in handler".into()),
        Error::Unsupported("oldest-first history".into()),
    ];
    let mut all: Vec<Decoded> = canonical.into_iter().map(Decoded::Canonical).collect();
    let newer = check_request_version(Some(b"2")).expect_err("refused");
    all.push(Decoded::Protocol(newer));
    all.push(Decoded::Protocol(ProtocolError::Unauthorized(
        "the shared secret does not match".into(),
    )));
    all
}

fn error_row(d: &Decoded) -> String {
    let body = match d {
        Decoded::Canonical(e) => encode_error(e),
        Decoded::Protocol(p) => encode_protocol_error(p),
    };
    let body = String::from_utf8(body).expect("UTF-8");
    format!(
        "| {} | `{}` | `{}` |",
        decoded_status(d).as_u16(),
        decoded_kind(d),
        body
    )
}

fn room_list_example() -> RoomList {
    let user = |id: &str, username: &str, name: Option<&str>| User {
        id: id.into(),
        username: username.into(),
        name: name.map(str::to_owned),
        avatar_url: None,
    };
    RoomList {
        rooms: vec![
            RoomInfo {
                id: "GENERAL".into(),
                kind: RoomKind::Channel,
                name: Some("general".into()),
                members: vec![user("u1", "alice", None)],
                group_id: None,
                company_id: None,
                created_usec: 1_554_700_000_000_000,
            },
            RoomInfo {
                id: "u1u2".into(),
                kind: RoomKind::Direct,
                name: None,
                members: vec![user("u1", "alice", None), user("u2", "bob", Some("Bob"))],
                group_id: None,
                company_id: None,
                created_usec: 1_554_710_000_000_000,
            },
        ],
    }
}

/// Every example the document shows, in its order.
fn examples() -> Vec<String> {
    let credential = Credential::UserToken {
        user_id: "u1".into(),
        token: "9HqLlyZOugoStsXCUfD_0YdwnNnunAJF8V47U3QHXSq".into(),
    };
    let principal = Principal {
        admin_of: vec!["c1".into()],
        ..alice()
    };
    let mut out = vec![
        pretty(&encode_query(&query_example())),
        pretty(&encode_page(&page_example())),
        pretty(&encode_credential(&credential)),
        pretty(&encode_credential(&Credential::Bearer {
            token: "Zm9vYmFy".into(),
        })),
        pretty(&encode_principal(&principal)),
        pretty(&encode_rooms_request(&RoomsRequest { principal: alice() })),
        pretty(&encode_room_list(&room_list_example())),
    ];
    let ready = Readiness {
        ready: true,
        message: None,
    };
    let not_ready = Readiness {
        ready: false,
        message: Some("store: unable to open database file".into()),
    };
    out.push(String::from_utf8(encode_readiness(&ready)).expect("UTF-8"));
    out.push(String::from_utf8(encode_readiness(&not_ready)).expect("UTF-8"));
    out.extend(all_errors().iter().map(error_row));
    out
}

/// With `PRINT_EXAMPLES=1` (and `--nocapture`) the examples are printed, to paste into the
/// document after a change of the wire format.
#[test]
fn every_example_is_in_the_document() {
    if std::env::var_os("PRINT_EXAMPLES").is_some() {
        for example in examples() {
            println!("{example}\n");
        }
    }
    for example in examples() {
        assert!(
            DOC.contains(&example),
            "docs/canonical-api.md lacks, or has another form of:\n{example}"
        );
    }
}

#[test]
fn every_error_kind_is_documented() {
    let kinds: Vec<&str> = all_errors().iter().map(decoded_kind).collect();
    assert_eq!(kinds.len(), 17);
    for d in all_errors() {
        let Decoded::Canonical(e) = &d else { continue };
        let body = encode_error(e);
        assert_eq!(decode_error(error_status(e).as_u16(), &body), Ok(d.clone()));
    }
}
