//! The dialect face: endpoints and their phases per profile, credentials (spec §2).

use super::*;
use crate::config::RocketChatProfile;
use http::Method;

#[test]
fn face_serves_eight_endpoints_with_the_profile_phases() {
    use crate::dialect::Phase;
    let auth_rate = [
        Phase::Method,
        Phase::Authenticate,
        Phase::RateLimit,
        Phase::Decode,
    ];
    let auth_validate = [
        Phase::Method,
        Phase::Authenticate,
        Phase::Decode,
        Phase::RateLimit,
    ];
    for (cfg, phases) in [
        (RocketChatProfile::V6, auth_rate),
        (RocketChatProfile::V7, auth_rate),
        (RocketChatProfile::V8, auth_rate),
        (RocketChatProfile::V9, auth_validate),
    ] {
        let face = RocketChat::new(&RocketChatConfig {
            profile: cfg,
            ..Default::default()
        });
        assert_eq!(face.id(), DialectId::RocketChat);
        assert_eq!(face.prefixes(), &["/api/v1/"]);
        let endpoints = face.endpoints();
        let routes: Vec<(&str, &str)> = endpoints.iter().map(|(p, e)| (*p, e.route())).collect();
        assert_eq!(
            routes,
            [
                ("/api/v1/chat.getThreadMessages", "chat.getThreadMessages"),
                ("/api/v1/dm.history", "dm.history"),
                ("/api/v1/im.history", "im.history"),
                ("/api/v1/channels.history", "channels.history"),
                ("/api/v1/groups.history", "groups.history"),
                ("/api/v1/me", "me"),
                ("/api/v1/rooms.info", "rooms.info"),
                ("/api/v1/rooms.get", "rooms.get"),
            ]
        );
        for (_, e) in &endpoints[..5] {
            assert_eq!(e.phases(), &phases);
        }
        assert_eq!(
            endpoints[5].1.phases(),
            &[Phase::Method, Phase::Authenticate]
        );
        assert_eq!(
            endpoints[6].1.phases(),
            &[Phase::Method, Phase::Authenticate, Phase::Decode]
        );
        assert_eq!(
            endpoints[7].1.phases(),
            &[Phase::Method, Phase::Authenticate]
        );
        assert!(endpoints[7].1.lists_rooms() && !endpoints[6].1.lists_rooms());
        assert_eq!(face.profile(), Profile::of(cfg));
        let headers = HeaderMap::new();
        let method = Method::GET;
        let req = RequestView {
            method: &method,
            path: "/api/v1/x",
            query: None,
            headers: &headers,
            peer: None,
            now_usec: 0,
            pairs: &crate::dialect::QueryPairs::new(),
        };
        let (status, body) = {
            let reply = render_error(face.profile(), &req, &Error::RouteNotFound);
            (reply.status().as_u16(), reply.body().clone())
        };
        let via_face = face.render_error(&req, &Error::RouteNotFound);
        assert_eq!(
            (via_face.status().as_u16(), via_face.body().clone()),
            (status, body)
        );
    }
    assert_eq!(
        RocketChat::new(&RocketChatConfig::default()).profile().name,
        "6"
    );
}

#[test]
fn credentials_need_both_headers() {
    let mut h = HeaderMap::new();
    assert_eq!(credentials(&h), None);
    h.insert("authorization", "Bearer abc".parse().unwrap());
    h.insert("cookie", "rc_uid=u1; rc_token=t".parse().unwrap());
    assert_eq!(credentials(&h), None);
    h.insert("x-user-id", "u1".parse().unwrap());
    assert_eq!(credentials(&h), None);
    h.insert("x-auth-token", "".parse().unwrap());
    assert_eq!(credentials(&h), None);
    h.insert("x-auth-token", "tok".parse().unwrap());
    assert_eq!(
        credentials(&h),
        Some(Credential::UserToken {
            user_id: "u1".to_owned(),
            token: "tok".to_owned()
        })
    );
    h.insert("x-user-id", "".parse().unwrap());
    assert_eq!(credentials(&h), None);
}
