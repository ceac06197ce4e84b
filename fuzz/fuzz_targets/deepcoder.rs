//! Decode + execute arbitrary DeepCoder token sequences on arbitrary states: never a panic.
#![no_main]

use exedec_core::dsl::deepcoder::tokens;
use exedec_core::{DeepCoder, Domain};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // First byte: how many program token bytes follow; the rest is the state text.
    let Some((&n, rest)) = data.split_first() else { return };
    let n = (n as usize).min(rest.len());
    let ids: Vec<u16> = rest[..n].iter().map(|&b| u16::from(b) % 160).collect();
    let text = String::from_utf8_lossy(&rest[n..]);
    let d = DeepCoder;
    let state = d.parse_input(&text);
    let _ = d.parse_output(&text);
    if let Ok(program) = tokens::decode_program(&ids) {
        if let Ok(state) = &state {
            let _ = d.execute(&program, state);
        }
        let printed = program.to_string();
        // The empty program decodes from no tokens but has no text form (as officially).
        if printed.is_empty() {
            return;
        }
        assert_eq!(d.parse_program(&printed).as_ref(), Ok(&program), "{printed}");
    }
    let _ = d.parse_program(&text);
});
