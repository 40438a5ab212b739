use super::*;

fn head(id: &str, usec: i64) -> Head {
    Head {
        id: id.into(),
        created_usec: usec,
    }
}

fn key(user: &str) -> CacheKey {
    CacheKey::new(user, "T1", "filter", "desc")
}

#[test]
fn keys_are_unambiguous_and_never_hold_more_than_the_parts() {
    assert_ne!(
        CacheKey::new("ab", "c", "f", "o"),
        CacheKey::new("a", "bc", "f", "o")
    );
    assert_eq!(
        CacheKey::new("u", "t", "f", "o"),
        CacheKey::new("u", "t", "f", "o")
    );
    assert_ne!(
        CacheKey::new("u", "t", "f", "asc"),
        CacheKey::new("u", "t", "f", "desc")
    );
}

#[test]
fn recalls_the_nearest_position_at_or_below_the_offset_and_the_total() {
    let cache: CursorCache<&'static str> = CursorCache::new(10);
    let now = Instant::now();
    assert!(cache.recall(&key("u"), 0, now, |_| true).is_none());
    cache.remember(
        &key("u"),
        head("m1", 100),
        vec![(0, "never kept"), (50, "c50"), (100, "c100")],
        None,
        now,
    );
    let at = |offset| {
        cache
            .recall(&key("u"), offset, now, |_| true)
            .expect("remembered")
    };
    assert_eq!(
        at(10).start,
        None,
        "below the first position: from the head"
    );
    assert_eq!(at(50).start, Some((50, "c50")));
    assert_eq!(at(99).start, Some((50, "c50")));
    assert_eq!(at(1_000).start, Some((100, "c100")));
    assert_eq!(at(0).total, None);
    // A later walk with the same head adds positions and the total it counted.
    cache.remember(
        &key("u"),
        head("m1", 100),
        vec![(150, "c150")],
        Some(180),
        now,
    );
    assert_eq!(at(160).start, Some((150, "c150")));
    assert_eq!(at(0).total, Some(180));
    assert_eq!(at(0).head, head("m1", 100));
    // Another caller, same thread: nothing.
    assert!(cache.recall(&key("v"), 50, now, |_| true).is_none());
}

#[test]
fn a_new_head_starts_a_new_entry() {
    let cache: CursorCache<u32> = CursorCache::new(10);
    let now = Instant::now();
    cache.remember(&key("u"), head("m1", 100), vec![(50, 1)], Some(80), now);
    cache.remember(&key("u"), head("m0", 120), vec![(20, 2)], None, now);
    let got = cache.recall(&key("u"), 60, now, |_| true).expect("entry");
    assert_eq!(got.head, head("m0", 120));
    assert_eq!(got.start, Some((20, 2)), "the old positions are gone");
    assert_eq!(got.total, None, "and so is the old total");
}

#[test]
fn an_entry_whose_head_the_request_excludes_is_not_used() {
    let cache: CursorCache<u32> = CursorCache::new(10);
    let now = Instant::now();
    cache.remember(&key("u"), head("m1", 100), vec![(50, 1)], Some(80), now);
    assert!(cache
        .recall(&key("u"), 60, now, |h| h.created_usec <= 99)
        .is_none());
    assert!(cache
        .recall(&key("u"), 60, now, |h| h.created_usec <= 100)
        .is_some());
}

#[test]
fn entries_expire_after_the_age_bound_and_can_be_forgotten() {
    let cache: CursorCache<u32> = CursorCache::with_max_age(10, Duration::from_secs(60));
    let born = Instant::now();
    cache.remember(&key("u"), head("m1", 100), vec![(50, 1)], Some(80), born);
    let later = born + Duration::from_secs(61);
    assert!(cache
        .recall(&key("u"), 60, born + Duration::from_secs(59), |_| true)
        .is_some());
    assert!(cache.recall(&key("u"), 60, later, |_| true).is_none());
    assert!(cache.is_empty(), "an expired entry is dropped");
    // Remembering into an expired entry starts a new one, born then.
    cache.remember(&key("u"), head("m1", 100), vec![(50, 1)], None, born);
    cache.remember(&key("u"), head("m1", 100), vec![(70, 2)], None, later);
    let got = cache.recall(&key("u"), 60, later, |_| true).expect("fresh");
    assert_eq!((got.start, got.total), (None, None));
    cache.forget(&key("u"));
    assert!(cache.recall(&key("u"), 60, later, |_| true).is_none());
}

#[test]
fn the_cache_is_bounded_in_entries_and_positions() {
    let cache: CursorCache<u64> = CursorCache::new(50);
    let now = Instant::now();
    for i in 0..500 {
        cache.remember(
            &key(&format!("u{i}")),
            head("h", 1),
            vec![(1, i)],
            None,
            now,
        );
    }
    assert!(cache.len() <= 50, "{} entries", cache.len());
    let many: Vec<(u64, u64)> = (1..=(MAX_POSITIONS as u64 * 3)).map(|i| (i, i)).collect();
    cache.remember(&key("big"), head("h", 1), many, None, now);
    let entry = cache.entries.get(&key("big")).expect("kept");
    let n = entry.lock().expect("lock").positions.len();
    assert!(n <= MAX_POSITIONS, "{n} positions");
    // The last position is still there, and an offset between finds a position below it.
    let last = MAX_POSITIONS as u64 * 3;
    let got = cache
        .recall(&key("big"), last, now, |_| true)
        .expect("entry");
    assert_eq!(got.start, Some((last, last)));
    let mid = cache
        .recall(&key("big"), last / 2, now, |_| true)
        .expect("entry");
    assert!(mid
        .start
        .is_some_and(|(at, _)| at <= last / 2 && at + 16 >= last / 2));
}

#[test]
fn finds_the_position_whose_cursor_matches_while_the_entry_is_trusted() {
    let cache: CursorCache<&'static str> = CursorCache::with_max_age(10, Duration::from_secs(60));
    let now = Instant::now();
    assert_eq!(cache.position_where(&key("u"), now, |_| true), None);
    cache.remember(
        &key("u"),
        head("m1", 100),
        vec![(10, "after m10"), (20, "after m20")],
        Some(25),
        now,
    );
    let find = |c: &&str, at| cache.position_where(&key("u"), at, |x| x == c);
    assert_eq!(find(&"after m20", now), Some(20));
    assert_eq!(find(&"after m10", now), Some(10));
    assert_eq!(find(&"after m15", now), None, "no page ended there");
    assert_eq!(
        cache.position_where(&key("v"), now, |_| true),
        None,
        "another caller's walk"
    );
    let later = now + Duration::from_secs(61);
    assert_eq!(find(&"after m20", later), None, "past the age bound");
}
