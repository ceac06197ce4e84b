//! Decode + execute arbitrary RobustFill token sequences on arbitrary inputs: never a panic.
#![no_main]

use exedec_core::dsl::robustfill::{text, tokens};
use exedec_core::{Domain, RobustFill};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // First byte: how many bytes of program follow (as u16 ids); the rest is the input text.
    let Some((&n, rest)) = data.split_first() else { return };
    let n = (n as usize * 2).min(rest.len() & !1);
    let ids: Vec<u16> = rest[..n].chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]]) % 330).collect();
    let input = String::from_utf8_lossy(&rest[n..]);
    let d = RobustFill;
    if let Ok(program) = tokens::decode_program(&ids) {
        if let Ok(input) = d.parse_input(&input) {
            let _ = d.execute(&program, &input);
        }
        let readable = text::format_readable(&program);
        assert_eq!(text::parse_readable(&readable).as_ref(), Ok(&program), "{readable}");
    }
    let _ = text::parse_readable(&input);
    let _ = text::parse_official(&input);
});
