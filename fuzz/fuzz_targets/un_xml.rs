#![no_main]
//! Any bytes must give Ok or a positioned error, never a panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = entente_screen::un::parse("fuzz.xml", data);
});
