use super::*;
use http::HeaderMap;

#[test]
fn eleventh_call_of_a_window_is_refused_and_the_window_resets() {
    let rl: FixedWindow<&str> = FixedWindow::new(10, 60_000, 100);
    for i in 1..=10u32 {
        let v = rl.hit(&"k", 1_000 + u64::from(i));
        assert!(v.allowed, "call {i}");
        assert_eq!(v.remaining, 10 - i);
        assert_eq!(v.reset_at_ms, 61_001);
    }
    let v = rl.hit(&"k", 30_000);
    assert!(!v.allowed);
    assert_eq!((v.remaining, v.limit, v.reset_in_ms), (0, 10, 31_001));
    // Another key has its own window.
    assert!(rl.hit(&"other", 30_000).allowed);
    // The window ends at start + window.
    let v = rl.hit(&"k", 61_001);
    assert!(v.allowed);
    assert_eq!((v.remaining, v.reset_at_ms), (9, 121_001));
}

#[test]
fn the_map_is_bounded_and_expired_windows_are_evicted() {
    let rl: FixedWindow<u32> = FixedWindow::new(1, 1_000, 3);
    for k in 0..3 {
        assert!(rl.hit(&k, 10_000).allowed);
    }
    assert_eq!(rl.len(), 3);
    // Full, nothing expired: a new key is allowed but not tracked.
    assert!(rl.hit(&99, 10_500).allowed);
    assert!(rl.hit(&99, 10_500).allowed);
    assert_eq!(rl.len(), 3);
    // Tracked keys are still limited.
    assert!(!rl.hit(&0, 10_500).allowed);
    // Later, the expired windows make room.
    assert!(rl.hit(&99, 12_000).allowed);
    assert!(!rl.hit(&99, 12_000).allowed);
    assert_eq!(rl.len(), 1);
    rl.evict_expired(20_000);
    assert!(rl.is_empty());
}

#[test]
fn a_clock_going_backwards_starts_a_new_window() {
    let rl: FixedWindow<u8> = FixedWindow::new(1, 1_000, 10);
    assert!(rl.hit(&1, 5_000).allowed);
    assert!(rl.hit(&1, 4_000).allowed);
}

fn xff(values: &[&str]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for v in values {
        h.append("x-forwarded-for", v.parse().unwrap());
    }
    h
}

#[test]
fn client_ip_believes_forwarded_for_only_from_trusted_peers() {
    let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    let h = xff(&["203.0.113.9, 198.51.100.7"]);
    // Untrusted peer: the header is ignored.
    assert_eq!(
        client_ip(Some(ip("192.0.2.1")), &h, &trusted),
        Some(ip("192.0.2.1"))
    );
    // Trusted peer: the right-most untrusted address.
    assert_eq!(
        client_ip(Some(ip("10.1.1.1")), &h, &trusted),
        Some(ip("198.51.100.7"))
    );
    // Trusted hops on the right are skipped; several headers join in order.
    let h = xff(&["203.0.113.9", "198.51.100.7, 10.2.2.2"]);
    assert_eq!(
        client_ip(Some(ip("10.1.1.1")), &h, &trusted),
        Some(ip("198.51.100.7"))
    );
    // Ports and brackets.
    let h = xff(&["[2001:db8::1]:443, 198.51.100.7:8080"]);
    assert_eq!(
        client_ip(Some(ip("10.1.1.1")), &h, &trusted),
        Some(ip("198.51.100.7"))
    );
    // All trusted: the left-most. Garbage: the peer. No header: the peer.
    let h = xff(&["10.9.9.9, 10.2.2.2"]);
    assert_eq!(
        client_ip(Some(ip("10.1.1.1")), &h, &trusted),
        Some(ip("10.9.9.9"))
    );
    let h = xff(&["203.0.113.9, nonsense"]);
    assert_eq!(
        client_ip(Some(ip("10.1.1.1")), &h, &trusted),
        Some(ip("10.1.1.1"))
    );
    assert_eq!(
        client_ip(Some(ip("10.1.1.1")), &HeaderMap::new(), &trusted),
        Some(ip("10.1.1.1"))
    );
    assert_eq!(client_ip(None, &h, &trusted), None);
}
