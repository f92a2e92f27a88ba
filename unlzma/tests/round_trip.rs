//! The decoder against streams of xz, the encoder scripts/postbuild.mjs uses, with the same
//! options: a stream pinned here and round trips of inputs that reach every kind of packet
//! (literals, matched literals, matches at short and long distances, the four repeated
//! distances, one-byte repeats, the longest lengths).
use std::process::Command;

/// `xz`'s options in scripts/postbuild.mjs.
const LZMA1: &str = "--lzma1=preset=9e,lc=3,lp=0,pb=0,nice=273";

fn decode(stream: &[u8], n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    let mut probs = vec![0u16; unlzma::PROBS];
    // SAFETY: `stream` is a whole stream of at least `n` bytes; the buffers are the sizes asked.
    unsafe { unlzma::decode(stream.as_ptr(), out.as_mut_ptr(), n, probs.as_mut_ptr()) };
    out
}

fn xz(input: &[u8], name: &str) -> Vec<u8> {
    let path = std::env::temp_dir().join(format!("unlzma-{}-{name}", std::process::id()));
    std::fs::write(&path, input).unwrap();
    let out = Command::new("xz")
        .args(["--format=raw", LZMA1, "-c"])
        .arg(&path)
        .output()
        .expect("xz (xz-utils) is installed by scripts/setup.sh");
    std::fs::remove_file(&path).unwrap();
    assert!(out.status.success(), "xz failed");
    out.stdout
}

#[test]
fn decodes_a_pinned_stream() {
    // `printf 'to be or not to be, that is the question: to be, or not to be' | xz ...`
    let stream = [
        0, 58, 28, 158, 103, 46, 248, 142, 241, 239, 148, 197, 44, 216, 59, 37, 6, 255, 69, 92,
        126, 202, 162, 156, 99, 139, 8, 110, 172, 89, 7, 68, 187, 29, 96, 141, 216, 77, 97, 35, 19,
        176, 90, 125, 133, 214, 254, 238, 115, 64,
    ];
    let text = b"to be or not to be, that is the question: to be, or not to be";
    assert_eq!(decode(&stream, text.len()), text);
    // A shorter output stops early and matches the start.
    assert_eq!(decode(&stream, 20), &text[..20]);
}

/// A deterministic generator (xorshift) for inputs without a fixture file.
fn noise(seed: u32, n: usize) -> Vec<u8> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

#[test]
fn round_trips_what_xz_encodes() {
    let mut inputs: Vec<(&str, Vec<u8>)> = vec![
        ("empty-ish", vec![7]),
        ("noise", noise(1, 70_000)),
        ("run", vec![0x2a; 100_000]),
        ("source", include_bytes!("../src/lib.rs").to_vec()),
    ];
    // Text pieces repeated at many distances (up to about 1 MB apart) with changes between
    // them: matches with long distances, repeated distances and matched literals.
    let mut mixed = Vec::new();
    for i in 0..3000u32 {
        mixed.extend_from_slice(&noise(i % 97 + 1, 40 + (i % 13) as usize * 25));
        mixed.extend_from_slice(format!("piece {i} of {} ", i % 31).as_bytes());
        if i % 500 == 0 {
            mixed.extend_from_slice(&noise(i + 7, 150_000));
        }
    }
    inputs.push(("mixed", mixed));
    for (name, input) in inputs {
        let stream = xz(&input, name);
        assert!(
            decode(&stream, input.len()) == input,
            "{name}: the decoded bytes differ"
        );
    }
}
