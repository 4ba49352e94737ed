//! What every benchmark binary (`harness = false`) does in `main`: answer a
//! test runner's `--list` with nothing, then run the benchmark on a
//! multi-threaded tokio runtime.

use std::future::Future;

pub fn main(bench: impl Future<Output = ()>) {
    // Test runners list targets with --list: benchmarks hold no tests.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(bench);
}
