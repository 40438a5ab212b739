use super::*;
use crate::canonical::UserRef;

#[test]
fn sampling_is_a_consistent_share_of_targets() {
    let targets: Vec<Target> = (0..4000)
        .map(|i| Target::Room(format!("room-{i}")))
        .collect();
    let picked = targets.iter().filter(|t| sampled(t, 0.1)).count();
    assert!((300..500).contains(&picked), "{picked} of 4000 at 0.1");
    // The same target, the same answer, every time (a fixed hash).
    for t in &targets[..50] {
        assert_eq!(sampled(t, 0.1), sampled(&t.clone(), 0.1));
    }
    let t = Target::Direct {
        peer: UserRef::Username("kenji.sato".into()),
    };
    assert!(sampled(&t, 1.0));
    assert!(!sampled(&t, 0.0));
    // A known value pins the hash across builds.
    let mut h = Fnv1a::default();
    h.write(b"a");
    assert_eq!(h.finish(), 0xaf63_dc4c_8601_ec8c);
}
